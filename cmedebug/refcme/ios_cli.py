"""The reference CME's command line: lines typed (or pasted) in, what IOS prints back out.

A ``CliSession`` keeps the current mode and parses each line against the
command table of ``ios_modes``, as IOS does:

* a command valid in the current mode runs there; in a configuration sub-mode,
  a command of global configuration also runs, and leaves the sub-mode (IOS
  tries the parent mode when the sub-mode does not know a command);
* anything else gets ``% Invalid input detected at '^' marker.`` with the caret
  under the first word IOS could not take, as IOS prints it (the echoed line
  includes the prompt, so the caret line is offset by its width);
* ``exit`` leaves a sub-mode for ``(config)`` and ``(config)`` for EXEC; ``end``
  returns to EXEC; ``do <command>`` runs an EXEC command from configuration;
  lines starting with ``!`` are comments;
* a question (D1..D12) takes its answer from the next line typed: answers are
  not commands, and a missing or wrong answer has the effect it has on IOS.

Words in angle brackets (``<trustpoint>``) are placeholders someone forgot to
fill: the CLI rejects them where they stand, so a step block that still holds
one can never count as applied.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from cmedebug import ios_commands
from cmedebug.refcme import ios_actions, ios_voice_actions
from cmedebug.refcme.ios_modes import Command, commands_in, match_words, prompt

INVALID = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
SECRET_QUESTIONS = ("Password:", "Re-enter password:")


@dataclass
class Outcome:
    """One typed line and what it did: ``ok``, ``invalid``, ``incomplete`` or ``answer``."""

    line: str
    mode: str
    result: str
    command: str | None = None  # the table pattern it matched


@dataclass
class CliSession:
    world: object  # runner.World
    mode: str = "exec"
    transcript: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    keys: dict = field(default_factory=dict)  # RSA key label -> key (`crypto key generate rsa`)
    _pending: deque = field(default_factory=deque)

    @property
    def hostname(self) -> str:
        return self.world.router.hostname

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result in ("invalid", "incomplete")]

    # -- input -------------------------------------------------------------------------
    def type_text(self, text: str) -> list[str]:
        """Type a block (as pasted); returns what the CLI printed for it."""
        start = len(self.transcript)
        self._pending.extend(text.splitlines())
        while self._pending:
            self._line(self._pending.popleft())
        return self.transcript[start:]

    def say(self, *lines: str) -> None:
        self.transcript.extend(lines)

    def ask(self, question: str, default: str = "") -> str:
        """Print ``question`` and take the next typed line as the answer (``default`` when
        nothing more was typed). Passwords are not echoed, as on IOS."""
        answer = self._pending.popleft() if self._pending else default
        secret = question in SECRET_QUESTIONS
        self.say(question if secret else (f"{question} {answer}" if question else answer).rstrip())
        self.outcomes.append(Outcome("<hidden>" if secret else answer, self.mode, "answer"))
        return answer.strip()

    def confirm(self, question: str) -> bool:
        """A [yes/no] question: IOS asks again until it gets yes or no (it takes y and n)."""
        for _ in range(3):
            answer = self.ask(question).lower()
            if answer in ("yes", "y"):
                return True
            if answer in ("no", "n", ""):
                return False
            self.say("% Please answer 'yes' or 'no'.")
        return False

    # -- parsing -----------------------------------------------------------------------
    def _line(self, raw: str) -> None:
        here = prompt(self.hostname, self.mode)
        text = raw.strip()
        self.say(f"{here}{text}")
        if not text or text.startswith("!"):
            return
        words = text.split()
        if words == ["end"] and self.mode != "exec":
            self._record(text, "ok", "end")
            self.mode = "exec"
            return
        if words == ["exit"]:
            self._record(text, "ok", "exit")
            self.mode = "config" if self.mode not in ("config", "exec") else "exec"
            return
        if words[0] == "do" and self.mode != "exec":
            self._dispatch(words[1:], "exec", len(here) + len("do "), text, stay=True)
            return
        self._dispatch(words, self.mode, len(here), text)

    def _dispatch(self, words: list[str], mode: str, offset: int, text: str, stay: bool = False) -> None:
        negated = words[0] == "no" and mode != "exec"
        body = words[1:] if negated else words
        placeholder = next((i for i, w in enumerate(body) if w.startswith("<") or w.startswith("{")), None)
        tried = [mode] + (["config"] if mode not in ("exec", "config") else [])
        best = 0
        for candidate_mode in tried:
            verdict = table_verdict(" ".join(words), candidate_mode)
            ours, reached = self._ours(body, candidate_mode, negated)
            best = max(best, 0 if verdict is False and ours else reached)
            if placeholder is not None or verdict is False or (verdict is None and ours is None):
                continue
            if not stay:
                self.mode = candidate_mode
            self._record(text, "ok", ours[0].pattern if ours else verdict.pattern)
            self._run(ours, verdict, negated, stay)
            return
        self._reject(words, body, min(best, placeholder) if placeholder is not None else best, offset, text)

    @staticmethod
    def _ours(body: list[str], mode: str, negated: bool) -> tuple[tuple[Command, dict] | None, int]:
        """The model's own row for the command (its action and slots), and how far the
        best row got (for the caret)."""
        best = 0
        for command in commands_in(mode):
            if negated and not command.negatable:
                continue
            slots, reached = match_words(command.words, body)
            if slots is None and negated:
                slots = _no_form(command, body, reached)
            if slots is not None:
                return (command, slots), len(body)
            best = max(best, reached)
        return None, best

    def _reject(self, words: list[str], body: list[str], best: int, offset: int, text: str) -> None:
        if best >= len(body):  # every word was taken and more was expected
            self.say(INCOMPLETE, "")
            self._record(text, "incomplete")
            return
        column = offset + len(" ".join(words[:len(words) - len(body) + best]))
        column += 1 if best or len(words) != len(body) else 0
        self.say(" " * column + "^", INVALID, "")
        self._record(text, "invalid")

    def _run(self, ours, entry, negated: bool, stay: bool) -> None:
        """Apply the command: the model's action asks its own questions; for the others the
        command table's questions come first, in order, and a [yes/no] answered no cancels the
        command, as on IOS. Then enter the sub-mode."""
        command, slots = ours if ours else (None, {})
        if entry and not (command and command.action and command.dialog):
            for question in (q for q in entry.questions if not q.when):
                if "[yes/no]" in question.text:
                    if not self.confirm(question.text):
                        return
                else:
                    self.ask(question.text)
        if command is not None and command.action:
            handler = getattr(ios_actions, command.action, None) or getattr(ios_voice_actions, command.action)
            handler(self, slots, negated, command)
        enters = entry.enters if entry else (command.enters if command else None)
        if enters and not negated and not stay:
            self.mode = enters
            if enters == "config":
                self.say("Enter configuration commands, one per line.  End with CNTL/Z.")

    def _record(self, text: str, result: str, pattern: str | None = None) -> None:
        self.outcomes.append(Outcome(text, self.mode, result, pattern))


def _no_form(command: Command, body: list[str], reached: int) -> dict | None:
    """IOS takes a `no` form without the arguments the command sets (`no device-security-mode`):
    every typed word matched and the rest of the pattern is arguments."""
    rest = command.words[reached:]
    if body and reached == len(body) and rest and all(t.startswith("{") for t in rest):
        return {t[1:-1].split("|")[0].rstrip("*"): "" for t in rest}
    return None


def table_verdict(text: str, mode: str):
    """What the command table (cmedebug/data/ios_commands.toml) says of ``text`` in ``mode``:
    its entry when IOS accepts it there, False when the table knows the command only in
    other modes, None when the table does not know it (the model's own rows decide)."""
    found = ios_commands.table().matches(text)
    if not found:
        return None
    return next((entry for entry in found if mode in entry.modes), False)
