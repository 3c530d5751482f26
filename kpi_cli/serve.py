"""`kpi serve [--host 127.0.0.1] [--port 8000] [--workers N]`: the Excel add-in backend
(xlwings Server).

Serves the manifest (/manifest.xml), the task pane and ribbon JavaScript, the custom functions
(=KPI.STATUS ...) and the ribbon scripts, which run in N worker processes (default: one per
core). Listens on loopback by default: put it behind an HTTPS reverse proxy to serve Excel
(Office add-ins only load over HTTPS). Another address without sign-in gets a warning.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

EXIT_OK, EXIT_FAILED = 0, 2


def add_arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", default="8000", help="port to listen on (default 8000)")
    parser.add_argument(
        "--workers", default=None,
        help="processes that run the ribbon scripts (default: one per core; 0: in the web "
             "process)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default warning)",
    )


def _port(text: str) -> int:
    try:
        port = int(str(text), 10)
    except ValueError:
        raise ValueError(f"--port must be a number from 1 to 65535, not {text!r}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"--port must be a number from 1 to 65535, not {text!r}")
    return port


def _host(text: str) -> str:
    host = str(text).strip()
    if not host:
        raise ValueError("--host must not be empty")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:
            socket.getaddrinfo(host, None)
        except OSError:
            raise ValueError(f"--host {host!r} is not an address this machine can resolve") from None
    return host


def _workers(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        count = int(str(text), 10)
    except ValueError:
        count = -1
    if not 0 <= count <= 256:
        raise ValueError(f"--workers must be a whole number from 0 to 256, not {text!r}")
    return count


def is_loopback(host: str) -> bool:
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_warnings(host: str, port: int, settings) -> list[str]:
    """One line each: listening beyond this machine without sign-in, and a manifest that names
    this server's own address because XLWINGS_HOSTNAME is not set."""
    lines = []
    if not is_loopback(host) and not settings.auth_providers:
        lines.append(f"kpi serve: warning: {host} is reachable from other machines and sign-in "
                     "is off, so anyone there can call the functions and scripts: set "
                     "XLWINGS_AUTH_PROVIDERS, or listen on 127.0.0.1 behind the proxy")
    if not settings.hostname:
        lines.append(f"kpi serve: XLWINGS_HOSTNAME is not set, so the manifest names "
                     f"http://{host}:{port}; set it to the public name Excel will use")
    return lines


def _check_bind(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def run(args) -> int:
    try:
        host, port, workers = _host(args.host), _port(args.port), _workers(args.workers)
        _check_bind(host, port)
    except ValueError as exc:
        print(f"kpi serve: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if workers is not None:
        os.environ["KPI_SCRIPT_WORKERS"] = str(workers)
    try:
        import uvicorn

        from addin.server_app import create_app

        app = create_app()
        from xlwings_server.config import settings

        from addin.service.connections import header_deadline_protocol
        from addin.service.limits import current_limits

        protocol = header_deadline_protocol(current_limits().header_seconds)
    except Exception as exc:  # noqa: BLE001 - missing extras, licence, broken project dir: one line, exit 2
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"kpi serve: cannot start the add-in backend: {reason}", file=sys.stderr)
        return EXIT_FAILED
    for line in exposure_warnings(host, port, settings):
        print(line, file=sys.stderr)
    print(f"kpi serve: add-in backend on http://{host}:{port} (manifest: /manifest.xml)",
          file=sys.stderr, flush=True)
    config = uvicorn.Config(
        app, host=host, port=port, log_level=args.log_level, proxy_headers=True,
        forwarded_allow_ips="127.0.0.1", lifespan="on", http=protocol,
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK if server.started else EXIT_FAILED
