"""Who follows what, and who receives an issue.

    subscriptions.subscribe.subscribe(db, cadre_id, [department_id])
    subscriptions.audience.audience(db, issue_id, channel)   # the one rule push and console share
"""
