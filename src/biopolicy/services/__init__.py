"""The use cases: the only thing the web app and the CLI call.

Import the module you need (``biopolicy.services.library``); nothing is re-exported here so that
importing one service does not load the others.
"""
