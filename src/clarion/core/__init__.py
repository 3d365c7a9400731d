"""What every layer uses: the option types of the settings schema, TOML key
lines, Markdown text helpers, the worker pool and the plain-data form of model
objects."""
