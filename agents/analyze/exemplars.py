"""Example utterances the engine itself uses (not per scorecard): what an agent and a client sound
like (roles on mono calls) and which sentences carry a call's reason, action and next step
(summaries). The model is multilingual, so English and Russian examples sit in one list.
Written for this purpose; none is taken from the evaluation set.
"""
from __future__ import annotations

AGENT_STYLE = (
    "Thank you for calling, how can I help you today?",
    "Let me pull up your account.",
    "Could you confirm your postcode for me?",
    "I've gone ahead and processed that for you.",
    "Is there anything else I can help you with?",
    "One moment while I check that on our system.",
    "I can see the order on my screen.",
    "You'll get a confirmation email shortly.",
    "Спасибо за звонок, чем могу помочь?",
    "Сейчас посмотрю вашу заявку в системе.",
    "Подскажите, пожалуйста, номер договора.",
    "Я оформил возврат, деньги придут в течение пяти дней.",
    "Могу ли я помочь вам ещё с чем-то?",
    "Одну минуту, проверяю информацию.",
)
CLIENT_STYLE = (
    "Hi, I'm calling because my internet stopped working.",
    "My parcel still hasn't arrived.",
    "I was charged twice this month.",
    "Okay, thanks, that helps.",
    "Yes, it's the one ending in forty two.",
    "I'm really annoyed, this is the third time I call.",
    "Can you tell me when it will be fixed?",
    "Здравствуйте, у меня не работает интернет.",
    "Мне так и не пришла посылка.",
    "С меня дважды списали деньги.",
    "Хорошо, спасибо, понятно.",
    "Я звоню уже третий раз, это безобразие.",
    "А когда это починят?",
)

REASON = (
    "I'm calling because my internet has stopped working.",
    "I'd like to return a pair of shoes I ordered.",
    "I was charged twice for the same order.",
    "My package hasn't arrived yet.",
    "I need to change the address on my account.",
    "I can't log in to my account.",
    "I'd like to stop my monthly plan.",
    "There's a problem with my last bill.",
    "The washing machine you delivered is broken.",
    "I'd like to move my appointment to another day.",
    "Звоню, потому что у меня перестал работать интернет.",
    "Хочу вернуть заказ, он не подошёл.",
    "С карты дважды списали оплату за один заказ.",
    "Моя посылка до сих пор не пришла.",
    "Мне нужно поменять адрес доставки.",
    "Не могу войти в личный кабинет.",
    "Хочу отключить подписку.",
    "У меня вопрос по последнему счёту.",
)
ACTION = (
    "I've issued a refund to your card.",
    "I have reset your password.",
    "I've cancelled the duplicate charge.",
    "I've updated the delivery address on the order.",
    "I've booked a technician for you.",
    "I've sent a replacement.",
    "I've escalated this to our billing team.",
    "I've applied a credit to your account.",
    "Я оформил возврат средств на вашу карту.",
    "Я сбросил ваш пароль.",
    "Я отменил повторное списание.",
    "Я изменил адрес доставки в заказе.",
    "Я записал вас на визит мастера.",
    "Я передал обращение в отдел биллинга.",
)
NEXT = (
    "You'll receive the refund within five business days.",
    "The technician will come on Thursday between nine and twelve.",
    "You should get an email confirmation today.",
    "The replacement will arrive by Friday.",
    "We'll call you back tomorrow morning.",
    "Your reference number is in the text message.",
    "It should be working again within two hours.",
    "Деньги вернутся в течение пяти рабочих дней.",
    "Мастер приедет в четверг с девяти до двенадцати.",
    "Вам сегодня придёт письмо с подтверждением.",
    "Мы перезвоним вам завтра утром.",
    "Новый товар доставят до пятницы.",
    "Интернет заработает в течение двух часов.",
)

# Ordinary call talk that no criterion is about: an implicit negative for every criterion.
BACKGROUND = (
    "Okay.", "Yes, that's right.", "Thanks.", "Let me have a look.", "One moment please.",
    "Can you spell that for me?", "Ah, right, got you.", "It's the one on the top.", "I'm not sure, maybe last week.",
    "Хорошо.", "Да, всё верно.", "Спасибо.", "Сейчас посмотрю.", "Минутку, пожалуйста.",
    "Продиктуйте по буквам.", "Так, понятно.", "Не помню, кажется, на прошлой неделе.",
)

# What a summary must not pick: openings, disclosures, identity checks, sympathy, goodbyes.
NOT_CONTENT = (
    "Thanks for calling Acme, my name is Sam, how can I help?",
    "Calls are recorded for training purposes.",
    "Can I take your date of birth to confirm it's you?",
    "I'm so sorry to hear that.",
    "Is there anything else I can help you with? Have a great day.",
    "Okay, thank you, bye.",
    "Thanks, that all matches up.",
    "Lovely, that's you through security.",
    "Здравствуйте, компания «Ромашка», меня зовут Анна, чем помочь?",
    "Обращаю внимание: звонок записывается.",
    "Назовите, пожалуйста, дату рождения.",
    "Мне очень жаль, понимаю вас.",
    "Могу ещё чем-то помочь? Всего доброго.",
    "Хорошо, спасибо, до свидания.",
)


def style_examples() -> tuple[tuple[str, ...], tuple[str, ...]]:
    return AGENT_STYLE, CLIENT_STYLE
