"""The only place with SQL: the connection, migrations, the one writer, and repositories."""
