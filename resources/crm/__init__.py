"""The CRM database: typed models, engine and session helpers, migrations and demo data."""
