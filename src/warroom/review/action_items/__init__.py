"""Action items: the follow-up work an incident leaves behind, tracked to done."""
