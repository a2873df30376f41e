"""A WeCom address book for the roster-sync tests: nested departments, repeated names, members
in several departments, disabled / quit / not-yet-activated members.

    departments, users = make_book(600)          # for fake_wechat.set_address_book(...)
    active = active_userids(users)               # status 1 or 4
"""

BUREAUS = ["区财政局", "区审计局", "区教育局", "区民政局", "区司法局", "区统计局", "区水利局",
           "区商务局"]
SECTIONS = ["办公室", "业务科"]  # every bureau has both: the book repeats these names


def make_book(members=600):
    """(departments, users) of `members` members over a three-level tree (root, bureaus,
    sections; one section has a team below it). Every 25th member is disabled (status 2),
    every 40th has quit (status 5), every 30th is not activated yet (status 4); every 7th
    is in two departments with a main one."""
    departments = [{"id": 1, "name": "测试区", "parentid": 0, "order": 100}]
    leaves = []
    for b, bureau in enumerate(BUREAUS):
        bureau_id = 10 + b * 10
        departments.append({"id": bureau_id, "name": bureau, "parentid": 1, "order": 90 - b})
        leaves.append(bureau_id)
        for s, section in enumerate(SECTIONS):
            departments.append({"id": bureau_id + 1 + s, "name": section, "parentid": bureau_id,
                                "order": 10 - s})
            leaves.append(bureau_id + 1 + s)
    departments.append({"id": 99, "name": "统计小组", "parentid": 12, "order": 1})
    leaves.append(99)
    users = []
    for n in range(members):
        home = leaves[n % len(leaves)]
        user = {"userid": f"m{n:04d}", "name": f"成员{n:04d}", "department": [home],
                "main_department": home, "mobile": f"139{n:08d}"}
        if n % 7 == 3:
            user["department"] = [1, home]  # listed under the root too; main stays home
        if n % 25 == 24:
            user["status"] = 2
        elif n % 40 == 39:
            user["status"] = 5
        elif n % 30 == 29:
            user["status"] = 4
        users.append(user)
    return departments, users


def active_userids(users):
    return {u["userid"] for u in users if u.get("status", 1) in (1, 4)}
