"""A short soak (bench/soak.py, 10 s): gunicorn with 2 workers on loopback, mixed valid and invalid requests
from 4 client threads; no 5xx, no dropped connection, every status the expected one."""

from bench import soak


def test_a_ten_second_soak_has_no_server_error_and_no_dropped_connection():
    result = soak.run(seconds=10, threads=4, workers=2, warmup=2)
    assert result["server_errors"] == 0
    assert result["dropped"] == 0, result["dropped_detail"]
    assert result["unexpected_statuses"] == {}
    assert set(result["statuses"]) == {"200", "400", "404", "405", "413", "415"}
    assert result["workers_replaced"] is False
