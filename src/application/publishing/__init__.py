"""Publishing: drafts, publishing, edits, reads, lists and the feed."""
