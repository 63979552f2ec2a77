"""Tips members suggest to their server's moderators, and the decisions on them."""
