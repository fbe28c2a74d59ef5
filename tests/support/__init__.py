"""What the tests share: local servers (SMTP, the chat bots), LibreOffice helpers, hostile data,
the golden-file comparator and the samples of every worksheet function."""
