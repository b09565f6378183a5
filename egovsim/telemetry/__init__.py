"""What operators watch a running simulator by: its Prometheus metrics, the id of the HTTP
request under way (in logs and the gateway's message log) and JSON log lines."""
