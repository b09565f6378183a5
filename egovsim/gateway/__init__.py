"""The e-government gateway (SHEP): the v10 SOAP contract, WS-Security, durable delivery."""
