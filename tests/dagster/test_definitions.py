"""The Definitions load, validate, and describe every asset and job (what the UI shows)."""

from dagster import AssetKey, Definitions

from pipelines.definitions import defs


def test_definitions_are_loadable():
    Definitions.validate_loadable(defs)


def test_every_asset_and_job_has_a_description():
    repo = defs.get_repository_def()
    for job in repo.get_all_jobs():
        if job.name.startswith("__"):
            continue
        assert job.description, f"job {job.name} has no description"
    for node in repo.asset_graph.asset_nodes:
        assert node.description, f"asset {node.key.to_user_string()} has no description"


def test_xero_calling_assets_run_in_the_xero_pool():
    repo = defs.get_repository_def()
    node = repo.asset_graph.get(AssetKey("xero_contacts"))
    assert node.pools == {"xero"}
