"""A simulated student: one Streamlit websocket session speaking the browser's protocol.

It opens pages, presses buttons by label and answers the server's auto-rerun requests (the
live fragment's polling) exactly as the browser's frontend does, without rendering anything,
so that one 2-core machine can host a whole class of clients and still measure the server."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINAL = ("completed", "stopped", "diverged", "failed", "interrupted")


class Student:
    def __init__(self, url: str):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = None
        self.page = ""
        self.query = ""
        self.buttons: dict[str, str] = {}   # label -> widget id
        self.texts: list[str] = []          # markdown of the latest run
        self.auto: dict[str, float] = {}    # fragment id -> interval (s)
        self.page_hash = ""                 # the page the server resolved, sent back like the frontend does
        self.bytes = 0                      # everything the server sent this session
        self.polls = 0                      # fragment reruns answered while watching
        self.due: dict[str, float] = {}     # fragment id -> when the browser would poll it next
        self.fields: dict[str, str] = {}    # label -> widget id of radios and text inputs
        self.states: dict[str, str] = {}    # widget id -> the string value this student set, sent on every rerun

    async def __aenter__(self):
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=2**26,
                                           open_timeout=120, ping_interval=None)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def _send(self, widget_id: str | None = None, fragment_id: str = "") -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string, cs.page_name = self.query, self.page
        if self.page_hash:
            cs.page_script_hash = self.page_hash
        if fragment_id:
            cs.fragment_id, cs.is_auto_rerun = fragment_id, True
        for wid, value in self.states.items():  # like the browser: every value set so far, on every rerun
            w = cs.widget_states.widgets.add()
            w.id, w.string_value = wid, value
        if widget_id:
            w = cs.widget_states.widgets.add()
            w.id, w.trigger_value = widget_id, True
        await self.ws.send(msg.SerializeToString())

    async def _until_finished(self, timeout: float) -> None:
        """Read ForwardMsgs until the script (or fragment) run finishes."""
        async with asyncio.timeout(timeout):
            while True:
                fm = ForwardMsg()
                data = await self.ws.recv()
                self.bytes += len(data)
                fm.ParseFromString(data)
                kind = fm.WhichOneof("type")
                if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    which = el.WhichOneof("type")
                    if which == "button":
                        self.buttons[el.button.label] = el.button.id
                    elif which in ("radio", "text_input"):
                        widget = getattr(el, which)
                        self.fields[widget.label] = widget.id
                    elif which == "markdown":
                        self.texts.append(el.markdown.body)
                elif kind == "new_session" and not fm.metadata.run.fragment_ids:
                    self.auto.clear()  # a full run: only fragments that ask again keep polling
                elif kind == "navigation":
                    self.page_hash = fm.navigation.page_script_hash
                elif kind == "page_info_changed":
                    self.query = fm.page_info_changed.query_string
                elif kind == "auto_rerun":
                    self.auto[fm.auto_rerun.fragment_id] = fm.auto_rerun.interval
                elif kind == "stop_auto_rerun":
                    self.auto.clear()
                elif kind == "script_finished":
                    if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        self.texts = []  # st.rerun(): the next run's output replaces this one's
                        continue
                    return

    async def open(self, page: str, query: str = "", timeout: float = 300) -> float:
        """Load a page; returns how long the server took to render it (seconds)."""
        if page != self.page:
            self.page_hash = ""
        self.page, self.query, self.texts, self.buttons = page, query, [], {}
        t0 = time.perf_counter()
        await self._send()
        await self._until_finished(timeout)
        return time.perf_counter() - t0

    async def set(self, label: str, value: str, timeout: float = 300) -> None:
        """Pick a radio option (by its text) or type into a text input, then rerun as the browser does."""
        widget_id = next(i for lab, i in self.fields.items() if label in lab)
        self.states[widget_id] = value
        self.texts = []
        await self._send()
        await self._until_finished(timeout)

    async def click(self, label: str, timeout: float = 300) -> None:
        widget_id = next(i for lab, i in self.buttons.items() if label in lab)
        self.texts = []
        await self._send(widget_id)
        await self._until_finished(timeout)

    @property
    def run_id(self) -> str | None:
        return parse_qs(self.query).get("run", [None])[0]

    def status(self) -> str:
        for text in self.texts:
            for status in FINAL + ("running", "queued"):
                if f"**{status}**" in text:
                    return status
        return ""

    async def watch(self, timeout: float = 900, until: float | None = None, others_poll: bool = False) -> str:
        """Poll like the live chart does (auto-reruns of its fragment) until the run ends (or the
        monotonic time `until`). others_poll: the page has fragments that poll on after the run
        ended (a lesson waiting for Reveal), so the run's end is enough."""
        deadline = min(time.monotonic() + timeout, until or float("inf"))
        while time.monotonic() < deadline:
            if self.status() in FINAL and (others_poll or not self.auto):
                return self.status()
            if not self.auto:  # a full rerun turned polling off, or never on: look once more
                await asyncio.sleep(1.0)
                await self.open(self.page, self.query)
                continue
            await self.poll_next()
        return self.status()

    async def poll_next(self) -> None:
        """Every polling fragment at its own interval, as the browser does (the live view each
        second or two, the landscape every 2 s): the one due soonest, at its time."""
        now = time.monotonic()
        for fid, interval in self.auto.items():
            self.due.setdefault(fid, now + interval)
        fragment_id = min((f for f in self.due if f in self.auto), key=self.due.get)
        await asyncio.sleep(max(0.0, self.due[fragment_id] - time.monotonic()))
        self.due[fragment_id] = time.monotonic() + self.auto[fragment_id]
        self.texts = []
        await self._send(fragment_id=fragment_id)
        await self._until_finished(300)
        self.polls += 1
