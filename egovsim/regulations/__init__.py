"""State services as data: regulation files, their loader, and the working calendar."""
