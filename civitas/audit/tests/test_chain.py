"""The audit chain: written by services, verified, and tampering of every kind detected."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from civitas.audit.models import AuditCheckpoint, AuditEvent
from civitas.audit.services import access_record, audit_record, checkpoint_write
from civitas.audit.verify import verify_audit

pytestmark = pytest.mark.django_db


def _write(n: int, actor=None) -> list[AuditEvent]:
    return [
        audit_record(actor=actor, action="test:thing:do", changes={"n": {"before": i, "after": i + 1}})
        for i in range(n)
    ]


def _tamper(sql: str, params: list) -> None:
    """Run raw SQL against the audit table as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_rows_are_chained_and_verify():
    events = _write(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == "0" * 64
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    result = verify_audit()
    assert result.ok, result.problems
    assert result.events == 5


def test_changed_row_is_detected():
    _write(5)
    _tamper("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test:thing:undo", 3])
    result = verify_audit()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "changed" in result.problems[0]


def test_deleted_row_is_detected():
    _write(5)
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    result = verify_audit()
    assert result.first_bad_seq == 3
    assert "missing" in result.problems[0]


def test_inserted_row_is_detected():
    events = _write(3)
    # Shift the tail up and forge a row in the gap (re-hashed, so only the link can catch it).
    _tamper("UPDATE audit_auditevent SET seq = seq + 10 WHERE seq = %s", [3])
    _tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [4, 13])
    forged = AuditEvent(
        seq=3, occurred_at=events[1].occurred_at, action="test:thing:forged", prev_hash=events[1].hash, payload="{}"
    )
    from civitas.audit.chain import row_hash

    forged.hash = row_hash(
        seq=3,
        prev_hash=forged.prev_hash,
        occurred_at=forged.occurred_at,
        action=forged.action,
        actor_id=None,
        object_type="",
        object_id="",
        person_id=None,
        payload="{}",
        request_id="",
    )
    forged.save(force_insert=True)
    result = verify_audit()
    assert result.first_bad_seq == 4
    assert "previous-hash" in result.problems[0]


def test_reordered_rows_are_detected():
    _write(4)
    _tamper("UPDATE audit_auditevent SET seq = 100 WHERE seq = 2", [])
    _tamper("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3", [])
    _tamper("UPDATE audit_auditevent SET seq = 3 WHERE seq = 100", [])
    result = verify_audit()
    assert result.first_bad_seq == 2


def test_truncated_tail_is_caught_by_checkpoint():
    _write(5)
    checkpoint = checkpoint_write()
    assert checkpoint is not None and checkpoint.seq == 5
    _tamper("DELETE FROM audit_auditevent WHERE seq >= %s", [4])
    result = verify_audit()
    assert not result.ok
    assert "ends at #3" in result.problems[0]


def test_forged_checkpoint_is_detected():
    _write(2)
    AuditCheckpoint.objects.create(
        seq=2,
        hash=AuditEvent.objects.get(seq=2).hash,
        signed_at=AuditEvent.objects.get(seq=2).occurred_at,
        key_id=checkpoint_write().key_id,
        signature="0" * 64,
    )
    result = verify_audit()
    assert any("forged" in p for p in result.problems)


def test_checkpoint_only_when_chain_moved():
    _write(1)
    assert checkpoint_write() is not None
    assert checkpoint_write() is None
    _write(1)
    assert checkpoint_write().seq == 2


def test_verify_command_exit_codes(capsys):
    _write(3)
    call_command("verify_audit")
    assert "intact: 3 events" in capsys.readouterr().out
    _tamper("UPDATE audit_auditevent SET payload = %s WHERE seq = %s", ['{"x":1}', 2])
    with pytest.raises(SystemExit) as exc:
        call_command("verify_audit")
    assert exc.value.code == 1
    assert "First bad row: #2" in capsys.readouterr().err


def test_access_record_names_person_and_purpose(make_staff):
    staff = make_staff("caseworker")
    event = access_record(actor=staff, person_id=42, purpose="answer a phone call", what="person 360")
    assert event.person_id == 42
    assert event.actor_id == staff.pk
    assert event.context == {"purpose": "answer a phone call", "what": "person 360"}
    assert event.action == "console:person:read"


def test_bad_action_name_refused():
    with pytest.raises(ValueError, match="source:subject:action"):
        audit_record(actor=None, action="nonsense")


def test_event_rolls_back_with_the_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        _write(1)
        raise RuntimeError("service failed")
    assert AuditEvent.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgres_refuses_update_and_delete():
    _write(1)
    for sql in ("UPDATE audit_auditevent SET action = 'x:y:z'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    checkpoint_write()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditcheckpoint")
