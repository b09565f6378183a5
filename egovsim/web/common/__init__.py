"""What every part of the web layer shares: the app's keys, the error middleware, headers,
rendering, the UI's words, reading requests, the operator's secret and the OpenAPI machinery."""
