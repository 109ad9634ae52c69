"""The emulator's state in a SQLite file shared by processes (gunicorn workers, RQ workers,
the test process): one state, no lost or interleaved writes."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

import pytest
import stripe
from emulator_support import NOW, session_params

from app.payments.emulator import Emulator, EmulatorError, make_stripe_client

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "stripe_emulator.sqlite3"


def test_two_emulators_on_one_file_see_one_state(path):
    first, second = Emulator(path), Emulator(path)
    first.set_time(NOW)
    one, two = make_stripe_client(first), make_stripe_client(second)

    session = one.v1.checkout.sessions.create(session_params(), {"idempotency_key": "s1"})
    again = two.v1.checkout.sessions.create(session_params(), {"idempotency_key": "s1"})
    second.pay_checkout_session(session.id)

    assert again.id == session.id and second.clock == NOW
    assert one.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    assert [e["type"] for e in first.events()][-1] == "checkout.session.completed"
    first.reset()
    with pytest.raises(stripe.InvalidRequestError):
        two.v1.checkout.sessions.retrieve(session.id)


def _create_customers(path: str, worker: int, results) -> None:
    client = make_stripe_client(Emulator(path))
    for n in range(20):
        client.v1.customers.create({"email": f"w{worker}-{n}@x.test"})
    shared = client.v1.customers.create({"email": "once@x.test"}, {"idempotency_key": "once"})
    results.put(shared.id)


def _pay(path: str, session_id: str, _worker: int, results) -> None:
    try:
        Emulator(path).pay_checkout_session(session_id)
        results.put("paid")
    except EmulatorError as refused:
        results.put(refused.message)


def run_processes(target, *args) -> list[str]:
    results = FORK.Queue()
    workers = [FORK.Process(target=target, args=(*args, i, results)) for i in range(6)]
    for worker in workers:
        worker.start()
    found = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
    return found


def test_processes_writing_at_once_lose_nothing(path):
    Emulator(path).set_time(NOW)

    shared_ids = run_processes(_create_customers, str(path))

    customers = [e for e in Emulator(path).events() if e["type"] == "customer.created"]
    assert len(customers) == 6 * 20 + 1
    assert len(set(shared_ids)) == 1  # the key was honoured across processes


def test_one_session_paid_from_several_processes_is_paid_once(path):
    emulator = Emulator(path)
    emulator.set_time(NOW)
    session = make_stripe_client(emulator).v1.checkout.sessions.create(session_params())

    outcomes = Counter(run_processes(_pay, str(path), session.id))

    assert outcomes["paid"] == 1 and sum(outcomes.values()) == 6
    assert len(emulator.events("charge.succeeded")) == 1


def test_the_old_json_state_file_is_refused_with_a_way_out(tmp_path):
    old = tmp_path / "stripe_emulator.json"
    old.write_text('{"store": {}, "clock": {}}')

    with pytest.raises(RuntimeError, match="old JSON state"):
        make_stripe_client(Emulator(old)).v1.customers.create({})


def test_a_process_forked_while_a_thread_holds_the_lock_is_not_stuck(path):
    """A forked RQ work-horse or gunicorn worker gets its own lock, free."""
    emulator = Emulator(path)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with emulator.lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        results = FORK.Queue()
        child = FORK.Process(target=_create_in, args=(emulator, results))
        child.start()
        created = results.get(timeout=20)
        child.join(10)
    finally:
        release.set()
        holder.join(10)

    assert created.startswith("cus_")


def _create_in(emulator: Emulator, results) -> None:
    results.put(make_stripe_client(emulator).v1.customers.create({}).id)
