"""The post-incident review: postmortems, action items, analytics and drills."""
