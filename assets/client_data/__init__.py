"""Client data in Dagster: the Excel-safe contacts export, the checked CRM import frame, and the
client_import / client_update_import jobs. Thin wrappers over import_tools and
resources.client_import."""
