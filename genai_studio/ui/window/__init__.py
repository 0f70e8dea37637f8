"""The window that composes the features: docks, menus and the action table, dialogs, the status
bar and the saved layout."""
