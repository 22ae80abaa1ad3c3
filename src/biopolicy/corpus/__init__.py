"""The policy library: text repair, clause parsing, metadata, facts and search."""
