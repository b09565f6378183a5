"""The only layer that knows aiohttp and Jinja: the app factory, routes and views."""
