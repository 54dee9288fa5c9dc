"""Social: following and unfollowing users."""
