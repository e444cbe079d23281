"""The command line and the chat app, thin layers over the search and answer services."""
