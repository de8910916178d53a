"""/api/v1 endpoints of celebrations: the pair's milestones and their consent to the program feed, kudos, and
the program's celebration feed.

Milestones are the pair's own (coordinators 403); kudos are read by the pair and, for coordination, only its own
and the shared ones; the feed is for every member of the program. Outsiders get 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from mentorloom.engagement import celebrations_feed, kudos, milestones
from mentorloom.engagement.models import Kudos, Milestone
from mentorloom.engagement.schemas.celebrations import (
    FeedItemOut,
    FeedOut,
    KudosIn,
    KudosOut,
    KudosShareIn,
    MilestoneIn,
    MilestoneOut,
    MilestonePatchIn,
    ReachIn,
    SharingIn,
    SharingOut,
)
from mentorloom.mentorships import queries
from mentorloom.mentorships.access import Seat, pair_seat, seat_for
from mentorloom.mentorships.models import Side
from mentorloom.permissions import program_for
from mentorloom.web.api_common import ObjectId, PageNumber
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"


def milestone_out(m: Milestone) -> MilestoneOut:
    return MilestoneOut(
        id=m.id,
        code=m.code,
        title=milestones.display_title(m),
        goal_key=m.goal_key,
        target_on=m.target_on,
        reached=m.reached_at is not None,
        reached_at=m.reached_at,
        note=m.note,
        automatic=m.code is not None,
    )


def sharing_out(session: Session, seat: Seat) -> SharingOut:
    row = milestones.settings_of(session, seat.mentorship)
    mentor, mentee = bool(row.mentor_shares_celebrations), bool(row.mentee_shares_celebrations)
    mine, partner = (mentor, mentee) if seat.side is Side.MENTOR else (mentee, mentor)
    return SharingOut(mine=mine, partner=partner, shown_in_feed=mentor and mentee)


def kudos_out(session: Session, seat: Seat, k: Kudos) -> KudosOut:
    names = queries.names(seat.mentorship, session, {k.author_id})
    return KudosOut(
        id=k.id,
        text=k.text,
        shared=k.shared,
        from_side=k.from_side,
        author=names.get(k.author_id),
        mine=k.author_id == seat.user.id,
        created_at=k.created_at,
    )


# --- milestones -------------------------------------------------------------------------------------------


@router.get(f"{PAIR}/milestones", response_model=list[MilestoneOut])
def list_milestones(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[MilestoneOut]:
    """The pair's milestones: reached ones newest first, then the planned ones by target date."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return [milestone_out(m) for m in milestones.of_pair(session, seat.mentorship)]


@router.post(f"{PAIR}/milestones", response_model=MilestoneOut, status_code=201)
def add_milestone(
    program_id: ObjectId, mentorship_id: ObjectId, body: MilestoneIn, user: ApiUser, session: DbSession
) -> MilestoneOut:
    """Plan a milestone (either of the two people): a title, optionally an agreed goal and a target date."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return milestone_out(milestones.create(session, seat, body.model_dump()))


@router.patch(f"{PAIR}/milestones/{{milestone_id}}", response_model=MilestoneOut)
def change_milestone(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    milestone_id: ObjectId,
    body: MilestonePatchIn,
    user: ApiUser,
    session: DbSession,
) -> MilestoneOut:
    """Change a planned milestone; a reached or automatic one answers 409."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestone = milestones.milestone_of(session, seat, milestone_id)
    return milestone_out(milestones.update(session, seat, milestone, body.model_dump(exclude_unset=True)))


@router.delete(f"{PAIR}/milestones/{{milestone_id}}", status_code=204)
def delete_milestone(
    program_id: ObjectId, mentorship_id: ObjectId, milestone_id: ObjectId, user: ApiUser, session: DbSession
) -> Response:
    """Delete a planned milestone; a reached or automatic one answers 409."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestones.delete(session, seat, milestones.milestone_of(session, seat, milestone_id))
    return Response(status_code=204)


@router.post(f"{PAIR}/milestones/{{milestone_id}}/reach", response_model=MilestoneOut)
def reach_milestone(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    milestone_id: ObjectId,
    body: ReachIn,
    user: ApiUser,
    session: DbSession,
) -> MilestoneOut:
    """Mark a planned milestone reached, with a note: a celebration card on your timeline; both are told."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestone = milestones.milestone_of(session, seat, milestone_id)
    return milestone_out(milestones.reach(session, seat, milestone, body.note))


@router.get(f"{PAIR}/celebration-sharing", response_model=SharingOut)
def get_sharing(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> SharingOut:
    """Whether each of you agrees that your reached milestones appear in the program's celebration feed."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return sharing_out(session, seat)


@router.put(f"{PAIR}/celebration-sharing", response_model=SharingOut)
def set_sharing(
    program_id: ObjectId, mentorship_id: ObjectId, body: SharingIn, user: ApiUser, session: DbSession
) -> SharingOut:
    """Your own choice; milestones appear in the feed only while both of you agree."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestones.set_sharing(session, seat, body.share)
    return sharing_out(session, seat)


# --- kudos ----------------------------------------------------------------------------------------------------


@router.get(f"{PAIR}/kudos", response_model=list[KudosOut])
def list_kudos(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> list[KudosOut]:
    """The pair's kudos, newest first (coordinators: only their own and the shared ones)."""
    seat = seat_for(session, user, program_id, mentorship_id)
    return [kudos_out(session, seat, k) for k in kudos.of_pair(session, seat)]


@router.post(f"{PAIR}/kudos", response_model=KudosOut, status_code=201)
def give_kudos(
    program_id: ObjectId, mentorship_id: ObjectId, body: KudosIn, user: ApiUser, session: DbSession
) -> KudosOut:
    """Send kudos to your partner (or, as a coordinator, to the pair); private unless `shared`."""
    seat = seat_for(session, user, program_id, mentorship_id)
    return kudos_out(session, seat, kudos.give(session, seat, body.text, shared=body.shared))


@router.patch(f"{PAIR}/kudos/{{kudos_id}}", response_model=KudosOut)
def share_kudos(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    kudos_id: ObjectId,
    body: KudosShareIn,
    user: ApiUser,
    session: DbSession,
) -> KudosOut:
    """Share your kudos in the program feed, or take it back (its author only)."""
    seat = seat_for(session, user, program_id, mentorship_id)
    found = kudos.kudos_of(session, seat, kudos_id)
    return kudos_out(session, seat, kudos.set_shared(session, seat, found, body.shared))


@router.delete(f"{PAIR}/kudos/{{kudos_id}}", status_code=204)
def delete_kudos(
    program_id: ObjectId, mentorship_id: ObjectId, kudos_id: ObjectId, user: ApiUser, session: DbSession
) -> Response:
    seat = seat_for(session, user, program_id, mentorship_id)
    kudos.delete(session, seat, kudos.kudos_of(session, seat, kudos_id))
    return Response(status_code=204)


# --- the program's feed ------------------------------------------------------------------------------------------


@router.get("/programs/{program_id}/celebrations", response_model=FeedOut)
def celebration_feed(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    page: PageNumber = 1,
    per_page: int = Query(default=20, ge=1, le=100),
) -> FeedOut:
    """Reached milestones of pairs where both people agreed, and shared kudos, newest first."""
    program = program_for(session, user, program_id)
    found = celebrations_feed.feed(session, program, page, per_page)
    return FeedOut(
        items=[FeedItemOut(**vars(item)) for item in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )
