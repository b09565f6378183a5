"""The offices on the web: the provider's workstation and the State Corporation's counter, their
pages and APIs, and their staff's sign-in."""
