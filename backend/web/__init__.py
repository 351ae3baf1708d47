"""The web app's pages: server-rendered Jinja templates with htmx fragments, one controller
module per role. Controllers stay thin: they call the domain services and render."""
