"""Demo and benchmark data (`manage.py seed_demo`): demo stores, users and orders made through
the services (`demo`), fast bulk orders for benchmarks (`bulk`), removal of the demo (`purge`)."""
