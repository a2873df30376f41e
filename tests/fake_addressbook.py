"""The WeCom address book of the fake WeChat server (a mixin of tests/fakewechat.FakeWeChat).

    fake.set_address_book(departments=[{"id", "name", "parentid", "order"}],
                          users=[{"userid", "name", "department", "main_department", "status"}])
    fake.contact_privilege = False      # 60011 on every address-book call

Endpoints: `department/list` (optional `id`: that subtree), `user/list` and `user/simplelist`
(`department_id`, `fetch_child`), `user/get`, the paged `user/list_id` (cursor, limit); errors
60011 (no privilege), 60003 (department not found), 60123 (invalid party id), 60111 (userid
not found), 40058 (bad limit or cursor).
"""

import re

from fake_reject import Reject


class AddressBook:
    """Address-book state lives in FakeWeChat.__init__ (book_departments, book_users, …)."""

    def set_address_book(self, departments=None, users=None):
        """Replace the WeCom address book (either part; None keeps it). Users with status 1
        or 4 become members `message/send` reaches; users no longer listed stop being ones."""
        with self.lock:
            if departments is not None:
                self.book_departments = {
                    int(d["id"]): {"id": int(d["id"]), "name": d["name"],
                                   "parentid": int(d.get("parentid") or 0),
                                   "order": int(d.get("order") or 0)} for d in departments}
            if users is not None:
                self.book_users = {}
                for user in users:
                    departments_of = [int(d) for d in user.get("department") or [1]]
                    entry = {"userid": user["userid"], "name": user.get("name", user["userid"]),
                             "department": departments_of,
                             "main_department": int(user.get("main_department")
                                                    or departments_of[0]),
                             "status": int(user.get("status", 1))}
                    if user.get("mobile"):
                        entry["mobile"] = user["mobile"]
                    self.book_users[user["userid"]] = entry
                active = {u for u, e in self.book_users.items() if e["status"] in (1, 4)}
                self.members -= self.book_members - active
                self.members |= active
                self.book_members = active

    def _contact_access(self, request):
        self._check_token(request, "work", "contact")
        if not self.contact_privilege:
            raise Reject(60011, "no privilege to access/modify contact/party/agent")

    def _department_id(self, value):
        try:
            department = int(value)
        except (TypeError, ValueError):
            raise Reject(60123, "invalid party id")
        if department not in self.book_departments:
            raise Reject(60003, "department not found")
        return department

    def _subtree(self, top):
        """`top` and every department below it, parents before children."""
        found, queue = [], [top]
        while queue:
            department = queue.pop(0)
            found.append(department)
            children = [d for d in self.book_departments.values() if d["parentid"] == department]
            queue += [d["id"] for d in sorted(children, key=lambda d: (-d["order"], d["id"]))]
        return found

    def _department_list(self, request):
        self._contact_access(request)
        if request.args.get("id"):
            ids = self._subtree(self._department_id(request.args["id"]))
        else:
            roots = [d for d in self.book_departments.values()
                     if d["parentid"] not in self.book_departments]
            ids = [i for root in sorted(roots, key=lambda d: d["id"]) for i in self._subtree(root["id"])]
        return {"errcode": 0, "errmsg": "ok",
                "department": [dict(self.book_departments[i]) for i in ids]}

    def _users_of(self, request):
        self._contact_access(request)
        department = self._department_id(request.args.get("department_id"))
        wanted = set(self._subtree(department)) if request.args.get("fetch_child") == "1" \
            else {department}
        return [user for user in self.book_users.values() if wanted & set(user["department"])]

    def _user_list(self, request):
        return {"errcode": 0, "errmsg": "ok",
                "userlist": [dict(user) for user in self._users_of(request)]}

    def _user_simplelist(self, request):
        return {"errcode": 0, "errmsg": "ok",
                "userlist": [{"userid": u["userid"], "name": u["name"],
                              "department": list(u["department"])}
                             for u in self._users_of(request)]}

    def _user_get(self, request):
        self._contact_access(request)
        user = self.book_users.get(request.args.get("userid"))
        if user is None:
            raise Reject(60111, "userid not found")
        return dict(user, errcode=0, errmsg="ok")

    def _user_list_id(self, request):
        self._contact_access(request)
        data = self._body(request)
        limit = data.get("limit", 10000)
        if not isinstance(limit, int) or not 1 <= limit <= 10000:
            raise Reject(40058, "invalid parameter: limit should be 1 ~ 10000")
        cursor = str(data.get("cursor") or "")
        if cursor and not re.fullmatch(r"c\d+", cursor):
            raise Reject(40058, "invalid parameter: cursor")
        start = int(cursor[1:]) if cursor else 0
        pairs = [{"userid": u["userid"], "department": d}
                 for u in self.book_users.values() for d in u["department"]]
        page = pairs[start:start + limit]
        more = start + limit < len(pairs)
        return {"errcode": 0, "errmsg": "ok", "next_cursor": f"c{start + limit}" if more else "",
                "dept_user": page}
