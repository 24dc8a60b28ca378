"""What a person's browser gets from warroom until the web UI exists: a home page and /docs."""
