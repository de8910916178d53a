"""The unread invariant under any interleaving: for each person of the pair, the unread count (the pair's own,
the per-pair map and the header total alike) is the number of the partner's undeleted messages after their read
cursor; one's own messages never count; marking read never moves the cursor back; the poll after id N returns
exactly the messages after N."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.engagement import messages
from mentorloom.engagement.models import Message
from mentorloom.mentorships.access import pair_seat
from mentorloom.mentorships.models import Side
from tests.mentorships.helpers import make_pair

SIDES = st.sampled_from([Side.MENTOR, Side.MENTEE])
STEP = st.one_of(
    st.tuples(st.just("send"), SIDES, st.integers(0, 0)),
    st.tuples(st.just("read"), SIDES, st.integers(0, 3)),  # 0: read all; n: up to the n-th latest message
    st.tuples(st.just("delete"), SIDES, st.integers(0, 5)),  # the side deletes one of its own messages
)


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, max_size=25))
def test_unread_is_the_partners_messages_after_the_cursor(
    db_session: Session, steps: list[tuple[str, Side, int]]
) -> None:
    savepoint = db_session.begin_nested()
    try:
        pair = make_pair(db_session)
        people = {Side.MENTOR: pair.mentor.user, Side.MENTEE: pair.mentee.user}
        seats = {
            side: pair_seat(db_session, user, pair.program.id, pair.mentorship.id) for side, user in people.items()
        }
        cursor = {Side.MENTOR: 0, Side.MENTEE: 0}
        for n, (action, side, arg) in enumerate(steps):
            seat = seats[side]
            if action == "send":
                messages.send(db_session, seat, f"message {n}")
            elif action == "read":
                ids = list(db_session.scalars(select(Message.id).order_by(Message.id.desc()).limit(4)))
                up_to = ids[arg - 1] if arg and len(ids) >= arg else None
                before = cursor[side]
                cursor[side] = messages.mark_read(db_session, seat, up_to)
                assert cursor[side] >= before
            else:
                own = [m for m in messages.page(db_session, seat, limit=100).messages if messages.is_mine(seat, m)]
                alive = [m for m in own if m.deleted_at is None]
                if alive:
                    messages.delete(db_session, seat, alive[arg % len(alive)])
            every = list(db_session.scalars(select(Message).where(Message.mentorship_id == pair.mentorship.id)))
            for reader, reader_seat in seats.items():
                expected = sum(
                    1 for m in every if m.author_side is not reader and m.id > cursor[reader] and m.deleted_at is None
                )
                assert messages.unread_count(db_session, reader_seat) == expected
                by_pair = messages.unread_by_pair(db_session, people[reader].id)
                assert by_pair.get(pair.mentorship.id, 0) == expected
                assert messages.unread_total(db_session, people[reader].id) == expected
        # the poll after any id returns exactly the newer messages, oldest first
        ids = [m.id for m in messages.page(db_session, seats[Side.MENTOR], limit=100).messages]
        for after_id in [0, *ids]:
            newer = [m.id for m in messages.after(db_session, seats[Side.MENTEE], after_id)]
            assert newer == [i for i in ids if i > after_id]
    finally:
        savepoint.rollback()
        db_session.expunge_all()
