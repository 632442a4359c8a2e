"""What the tests share: fixture logs, ways to run the CLI, local servers, the real inspect-ai."""
