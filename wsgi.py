"""Production entry point. Eventlet must patch the standard library before anything else loads.

Run with ``python wsgi.py`` (Flask-SocketIO's eventlet server) or any WSGI server that
supports WebSockets through Flask-SocketIO, e.g. ``gunicorn -k eventlet -w 1 wsgi:app``.
"""

from config import socketio_async_mode

if socketio_async_mode() == "eventlet":
    import eventlet

    eventlet.monkey_patch()

from app import create_app  # noqa: E402
from app.accesslog import server_log_options  # noqa: E402
from app.extensions import socketio  # noqa: E402
from app.webhooks.delivery import start_worker  # noqa: E402
from config import env  # noqa: E402

app = create_app()
start_worker(app)  # customer webhooks go out from this process, from the outbox table

if __name__ == "__main__":
    socketio.run(
        app,
        host=env("HOST", "127.0.0.1"),
        port=app.config["PORT"],
        log_output=env("ACCESS_LOG", "1") == "1",  # our technical log records requests either way
        allow_unsafe_werkzeug=True,
        **server_log_options(socketio_async_mode()),  # a host link's key never reaches the access log
    )
