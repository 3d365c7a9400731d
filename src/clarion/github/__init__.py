"""Everything about GitHub: the publishing workflows and the action, the first
run (git, the pinned action), deadline reminder issues and what a public
repository must not hold."""
