"""What every part of the web layer shares: the key the app holds the simulator under, the error
middleware, headers, rendering, the UI's words, the API's models and reading requests, the
operator's secret and the OpenAPI document."""
