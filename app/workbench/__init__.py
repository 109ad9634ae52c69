"""Where a signed-in person lands: a workbench per role (what waits for them, headline figures,
recent activity) and the counts on the menu items that need action. Reads only: it calls other
features' queries and owns no table."""
