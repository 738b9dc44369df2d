"""Notify: findings → digests → channels (email, webhooks), through a durable outbox.

`settings` reads `[notify]`; `digest` groups owed findings for reading; `render` fills
the templates; `channels` are the delivery plug-ins; `deliver` composes and sends, `due`
says when a daily or weekly channel's digest is due.
"""
