"""Last resort: a menu click whose key no handler knows gets the help, not silence.

    menu key "OLD_KEY" (a menu configured before this version)  ->  帮助
"""

from handlers.router import event, router
from handlers.welcome import help_text
from store import levels


@router.on(event("click"))
def unknown_menu_key(ctx):
    return "这个菜单项暂不可用。\n" + help_text(ctx.db, levels.public_only(ctx.cadre))
