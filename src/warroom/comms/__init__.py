"""Communications: templated status updates on a cadence, reminders, the incident brief."""
