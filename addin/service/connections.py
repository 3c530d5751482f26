"""A deadline for a connection's request headers, which uvicorn does not have.

uvicorn's `timeout_keep_alive` only runs between two requests on a connection and an ASGI app
only sees a request once its headers are complete, so a client that opens a connection and
sends its headers a byte at a time would hold it for ever. This protocol closes a connection
whose request headers are not complete KPI_HEADER_TIMEOUT_S after it opened, or after the
previous answer on it; the body's own deadline (KPI_BODY_TIMEOUT_S) is the guard's.
"""

from __future__ import annotations

import logging

from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)


def header_deadline_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a deadline of `seconds` for each request's headers."""

    class HeaderDeadline(H11Protocol):
        _timer = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._timer = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _too_slow(self) -> None:
            self._timer = None
            if self.cycle is None or self.cycle.response_complete:  # no request under way
                logger.info("Closed a connection whose request headers took over %g s", seconds)
                self.transport.close()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # the headers are in: the body has the guard's own deadline

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderDeadline
