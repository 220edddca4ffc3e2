"""The approval workflow: every write checks its rules, changes rows and appends its events in one transaction."""
