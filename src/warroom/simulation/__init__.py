"""Play an incident on a fake clock through the real paging code: `warroom simulate`."""
