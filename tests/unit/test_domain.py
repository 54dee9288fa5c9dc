from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.errors import (
    InvalidBody,
    InvalidEmail,
    InvalidName,
    InvalidTitle,
    PostAlreadyPublished,
    SelfFollowRejected,
    WeakPassword,
)
from domain.events import PostPublished, UserFollowed, UserRegistered
from domain.follow import Follow
from domain.post import Post, PostStatus
from domain.user import User
from domain.values import Body, Email, Name, Title, check_password_policy, common_passwords

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_emails_are_normalised_so_case_does_not_make_a_new_address() -> None:
    assert Email("  Ada@Example.COM ") == Email("ada@example.com")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "no-at-sign",
        "two@@example.com",
        "a@b",
        "spaces in@example.com",
        "a" * 250 + "@x.io",
        "bell\x07@example.com",  # SMTP refuses control characters: no mail could reach it
        "a@exa\x7fmple.com",
        "a@example.c\x85om",
    ],
)
def test_malformed_emails_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        Email(raw)


@pytest.mark.parametrize("raw", ["short", "x" * 129])
def test_passwords_outside_8_to_128_characters_are_rejected(raw: str) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(raw)


def test_passwords_have_no_composition_rules_and_are_never_truncated() -> None:
    assert check_password_policy("alllowercase") == "alllowercase"
    long = "p" * 128
    assert check_password_policy(long) == long


def test_about_a_thousand_common_passwords_ship_with_the_package() -> None:
    listed = common_passwords()
    assert len(listed) >= 1000
    assert {"123456", "password", "qwerty", "iloveyou", "1qaz2wsx"} <= listed
    assert all(entry == entry.strip().casefold() and entry for entry in listed)


@pytest.mark.parametrize(
    "raw", ["password", "Password1", "QWERTYUIOP", "iloveyou", "1q2w3e4r5t", "\uff50assword"]
)
def test_common_passwords_are_rejected_whatever_their_case_or_width(raw: str) -> None:
    with pytest.raises(WeakPassword, match="most commonly used"):
        check_password_policy(raw)


def test_a_common_password_inside_a_longer_one_is_fine() -> None:
    assert check_password_policy("password of mine") == "password of mine"


def test_titles_names_and_bodies_are_bounded() -> None:
    assert Title("  Hello ").value == "Hello"
    for factory, error, bad in [
        (Title, InvalidTitle, ["", "   ", "t" * 201]),
        (Name, InvalidName, ["", "n" * 101]),
        (Body, InvalidBody, ["", "   \n", "b" * 50_001]),
    ]:
        for value in bad:
            with pytest.raises(error):
                factory(value)


def _user() -> User:
    return User.register(uuid.uuid4(), Email("a@example.com"), Name("A"), "hash", now=NOW)


def test_registering_a_user_raises_user_registered() -> None:
    user = _user()
    [event] = user.pull_events()
    assert isinstance(event, UserRegistered)
    assert event.user_id == user.id
    assert user.pull_events() == []


def test_a_password_change_bumps_the_token_version_but_a_rehash_does_not() -> None:
    user = _user()
    user.rehash_password("stronger", now=NOW)
    assert user.token_version == 0
    user.change_password("new", now=NOW)
    assert user.token_version == 1
    assert user.version == 3


def test_deactivation_ends_sessions_and_changing_email_unverifies_it() -> None:
    user = _user()
    user.verify_email(now=NOW)
    user.change_email(Email("b@example.com"), now=NOW)
    assert user.email_verified_at is None
    assert user.token_version == 1
    user.set_active(False, now=NOW)
    assert user.token_version == 2
    assert not user.is_active


def test_entities_compare_by_id() -> None:
    user = _user()
    other = _user()
    assert user != other
    assert len({user, user}) == 1


def test_publishing_a_draft_raises_post_published() -> None:
    post = Post.draft(uuid.uuid4(), uuid.uuid4(), Title("t"), Body("b"), now=NOW)
    post.publish(now=NOW)
    assert post.status is PostStatus.PUBLISHED
    assert post.published_at == NOW
    [event] = post.pull_events()
    assert event == PostPublished(occurred_at=NOW, post_id=post.id, author_id=post.author_id)


def test_publishing_a_draft_twice_is_rejected() -> None:
    post = Post.draft(uuid.uuid4(), uuid.uuid4(), Title("t"), Body("b"), now=NOW)
    post.publish(now=NOW)
    with pytest.raises(PostAlreadyPublished):
        post.publish(now=NOW)


def test_following_yourself_is_rejected_and_a_follow_raises_user_followed() -> None:
    me, you = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(SelfFollowRejected):
        Follow.start(me, me, now=NOW)
    [event] = Follow.start(me, you, now=NOW).pull_events()
    assert isinstance(event, UserFollowed)


@pytest.mark.parametrize("bad", ["nul\x00inside", "lone \ud800 surrogate"])
def test_text_that_cannot_be_stored_is_rejected_everywhere(bad: str) -> None:
    for factory, error in [(Title, InvalidTitle), (Name, InvalidName), (Body, InvalidBody)]:
        with pytest.raises(error):
            factory(bad)
    with pytest.raises(InvalidEmail):
        Email(f"{bad}@example.com")
    with pytest.raises(WeakPassword):
        check_password_policy(bad + "long enough")
