"""Windows and dialogs: the only place that imports QtWidgets. They render models and call
session slots; logic stays in app/client and app/server."""
