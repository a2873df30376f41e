"""Traditional characters read like simplified ones where the parser looks for structure.

    fold("中共臨河區委辦公室")     # -> "中共临河区委办公室": same length, index for index
    fold("工作簡報")               # -> "工作简报"

Some offices (and text converted from Hong Kong, Macao or Taiwan sources) print in traditional
characters. The parser's rules look for a few words — a masthead's 简报/期/编, an issuer's
办公室/委员会, 报/送/发 and 编辑/签发 in the footer, 目录, 编者按, units' endings in attributions,
their labels (供稿/来源), leading time phrases — so those are matched on `fold(text)`, while what
the parser returns (titles, bodies, departments, the header) is sliced from the text as printed.
`fold` maps one character to one character (and one word to one word of the same length), so
a position found in the folded text is the same position in the printed one. Only the
characters of those structural words are mapped, not a whole dictionary.
"""

PAIRS = ("簡简 報报 訊讯 輯辑 編编 辦办 區区 縣县 鄉乡 鎮镇 會会 員员 廳厅 處处 隊队 館馆 聯联 協协 團团 組组"
         " 醫医 學学 園园 臺台 農农 業业 發发 總总 號号 機机 絕绝 內内 資资 參参 閱阅 動动 態态 務务 導导"
         " 讀读 錄录 審审 簽签 來来 電电 話话 郵邮 傳传 專专 週周 責责 對对 繫系 執执 單单 語语 記记 見见"
         " 詳详 續续 圖图 轉转 攝摄 禮礼 頁页 僅仅 請请 為为 據据 圍围 繞绕 結结 實实 進进 連连 節节 間间"
         " 際际 後后 時时 這这 國国 慶庆 確确 強强 決决 營营 滿满 範范 經经 認认 評评 檢检 測测 統统 計计"
         " 驗验 帶带 領领 幫帮 過过 級级 黨党 紀纪 監监 衛卫 財财 開开 關关 議议 於于 個个 義义")
TABLE = str.maketrans({pair[0]: pair[1] for pair in PAIRS.split()})
WORDS = (("資訊", "信息"),)  # a word for a word of the same length (Taiwan's 資訊 is 信息)


def fold(text):
    """`fold("編者按：…")` -> "编者按：…": the structural words' traditional characters as
    simplified ones, one for one (the length and every position stay)."""
    text = text.translate(TABLE)
    for traditional, simplified in WORDS:
        text = text.replace(fold_chars(traditional), simplified)
    return text


def fold_chars(text):
    return text.translate(TABLE)
