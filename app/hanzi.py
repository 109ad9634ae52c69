"""Traditional and simplified Chinese for search: a small table, not a converter.

About 420 traditional characters common in notes about beauty, fashion, food, travel and
shopping, each with its simplified form (mostly from the General Standard Chinese Characters
table's one-to-one pairs). A query is also searched in the other script (app/search.py), so
``防曬霜`` finds ``防晒霜`` and the reverse. What it does not do: characters outside the table
are searched as typed; a simplified character with several traditional forms (发: 發 and 髮)
is turned into the first one listed here only; words that differ between the regions (软件 and
軟體) are not matched. A complete mapping needs a maintained converter (OpenCC)."""

from __future__ import annotations

_PAIRS = (
    "這这個个們们來来為为學学國国說说時时會会對对發发髮发後后買买賣卖紅红膚肤護护曬晒乾干"
    "麵面東东車车長长門门問问間间開开關关見见覺觉親亲視视現现電电話话語语讀读寫写書书畫画"
    "價价錢钱貴贵質质貨货費费購购與与氣气愛爱歡欢樂乐韓韩歐欧陽阳濕湿潤润妝妆粧妆顏颜華华"
    "麗丽體体髒脏臟脏臉脸層层極极點点熱热鬆松緊紧彈弹潔洁淨净滿满腦脑邊边過过還还進进運运"
    "動动遊游遠远適适選选區区醫医藥药療疗線线經经給给結结統统細细紹绍終终級级紀纪約约純纯"
    "紙纸絲丝綠绿藍蓝黃黄銀银錶表鏡镜褲裤襪袜裝装飾饰戲戏劇剧館馆飯饭飲饮雞鸡魚鱼鮮鲜鹹咸"
    "湯汤麼么嗎吗讓让從从將将應应該该當当實实際际種种樣样條条機机場场廳厅廣广島岛灣湾臺台"
    "麥麦濃浓淺浅燈灯燒烧溫温涼凉風风雲云陰阴夢梦藝艺術术攝摄錄录記记憶忆專专業业員员師师"
    "總总參参觀观試试驗验評评論论讚赞薦荐無无沒没變变隨随處处號号網网頁页題题類类顯显響响"
    "頭头驚惊準准備备優优團团單单雙双幾几張张衛卫輕轻簡简舊旧務务勞劳辦办誌志雜杂歲岁齡龄"
    "孫孙兒儿媽妈爺爷嬰婴寶宝貝贝戀恋婦妇紗纱鑽钻鍊链環环凍冻筆笔蘭兰檸柠蘋苹葉叶蘿萝蔔卜"
    "蔥葱薑姜醬酱滷卤餅饼餃饺鍋锅盤盘壺壶織织據据證证權权議议設设計计訂订認认識识譯译調调"
    "帶带帳帐幣币錯错鐘钟鬧闹閱阅闆板闊阔隊队陣阵陸陆險险雖虽難难離离靜静靈灵韻韵項项順顺"
    "領领頻频額额顆颗飛飞餘余驅驱鬥斗魯鲁鳥鸟鹽盐齊齐齒齿龍龙龜龟穩稳獲获穫获獨独獎奖癢痒"
    "盡尽監监矯矫礎础禮礼稱称積积窮穷競竞範范篩筛簽签籃篮糧粮糾纠紐纽練练緻致縣县績绩繡绣"
    "繼继續续罰罚羅罗義义習习聖圣聞闻聯联聲声聽听職职腳脚膽胆臨临興兴舉举艱艰莊庄萬万蓋盖"
    "蘇苏虛虚蟲虫衝冲補补裡里裏里複复規规覽览觸触訊讯訪访許许診诊詢询詩诗詳详誠诚誤误誰谁"
    "課课談谈請请謝谢貓猫負负財财販贩貼贴資资賓宾賞赏賺赚贈赠趕赶趨趋跡迹軟软載载較较輔辅"
    "輪轮輸输農农連连週周達达違违遲迟遺遗鄉乡醜丑釋释針针釣钓銷销鋪铺鋼钢鍵键鏈链鐵铁鑰钥"
    "閃闪閉闭陳陈隱隐預预頓顿頸颈顧顾飄飘飽饱養养餵喂馬马駕驾騎骑鬱郁鮑鲍鴨鸭鵝鹅黨党"
)
TO_SIMPLIFIED = {_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS), 2)}
TO_TRADITIONAL: dict[str, str] = {}
for _trad, _simp in TO_SIMPLIFIED.items():
    TO_TRADITIONAL.setdefault(_simp, _trad)  # the first listed: the more common form


def simplified(text: str) -> str:
    return "".join(TO_SIMPLIFIED.get(c, c) for c in text)


def traditional(text: str) -> str:
    return "".join(TO_TRADITIONAL.get(c, c) for c in text)


def variants(text: str) -> list[str]:
    """``text`` as typed, in simplified and in traditional characters (each once)."""
    seen = dict.fromkeys([text, simplified(text), traditional(simplified(text))])
    return list(seen)
