"""The State Corporation "Government for Citizens": its counter, forwarding and paper results."""
