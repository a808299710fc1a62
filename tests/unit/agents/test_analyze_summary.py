"""Template summaries (agents/analyze/summary.py) on calls written for these tests (real e5 model)."""
from __future__ import annotations

from agents.analyze.embeddings import CallText
from agents.analyze.summary import MAX_SUMMARY_CHARS, template_summary
from agents.analyze.transcript import Turn


def summary(turns: list[tuple[str, str]], language: str = "en") -> str:
    call_turns = [Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)]
    return template_summary(CallText(call_turns), language)


BOILER = [
    ("agent", "Good afternoon, Lakeside Water, you're speaking with <PERSON>. Calls are recorded."),
    ("client", "Hi <PERSON>. My water meter is leaking under the sink and the cupboard is soaked."),
    ("agent", "That sounds like a mess, sorry. Can I have your postcode and date of birth?"),
    ("client", "<ADDRESS>, <DATE_TIME>. Honestly I'm fed up, this is my third call about it."),
]


def test_the_reason_is_what_the_caller_says_first_without_the_greeting():
    text = summary(BOILER + [
        ("agent", "I've booked a plumber for you."),
        ("agent", "He will be with you on Thursday between eight and twelve."),
        ("client", "Okay, thanks."),
        ("agent", "Thanks for calling, goodbye.")])
    assert text.startswith("Reason: My water meter is leaking under the sink")  # not "Hi <PERSON>", not "fed up"
    assert "Done: I've booked a plumber for you." in text
    assert "Next: He will be with you on Thursday between eight and twelve." in text
    assert "goodbye" not in text and "postcode" not in text


def test_an_undated_promise_is_not_a_next_step():
    text = summary(BOILER + [
        ("agent", "I'll pass it to the network team."),
        ("agent", "Someone might look at it eventually."),
        ("client", "Right.")])
    assert "Next:" not in text
    assert "network team" in text


def test_a_card_number_read_back_is_never_quoted():
    text = summary([
        ("agent", "Hello, Metro Tickets, <PERSON> here."),
        ("client", "I'd like to renew my annual parking permit, please."),
        ("agent", "Let me repeat the card, <CREDIT_CARD>."),
        ("agent", "I've renewed the permit, it runs until the end of June next year."),
        ("client", "Great.")])
    assert "CREDIT_CARD" not in text and "repeat" not in text
    assert "renewed the permit" in text and "June" in text


def test_long_statements_keep_the_summary_within_the_crm_field():
    long_action = "I've refunded the delivery charge " + "and the gift wrap " * 12 + "to your card."
    text = summary(BOILER + [
        ("agent", long_action),
        ("agent", "I have also sent a replacement " + "with a new box " * 10 + "today."),
        ("agent", "It will arrive within two working days " + "by tracked courier " * 8 + ".")])
    assert len(text) <= MAX_SUMMARY_CHARS
    assert text.count("Reason:") == 1 and "Done:" in text and "Next:" in text


def test_russian_summary_in_russian():
    text = summary([
        ("agent", "Добрый день, служба поддержки «Речной», меня зовут <PERSON>."),
        ("client", "Здравствуйте. Мне второй месяц не приходят квитанции на почту."),
        ("agent", "Понимаю, это неудобно. Назовите, пожалуйста, номер лицевого счёта."),
        ("client", "<DIGIT_RUN>."),
        ("agent", "Я исправила адрес электронной почты в вашем профиле."),
        ("agent", "Квитанция за этот месяц придёт вам завтра до обеда."),
        ("agent", "Всего доброго!")], language="ru")
    assert text.startswith("Причина: Мне второй месяц не приходят квитанции на почту.")
    assert "Сделано: Я исправила адрес" in text and "Далее: Квитанция за этот месяц придёт вам завтра" in text


def test_a_one_word_action_before_the_next_step_is_kept():
    text = summary(BOILER + [
        ("agent", "Right. Refunded. You'll see the money back on your card by Friday."),
        ("client", "Thanks.")])
    assert "Refunded. You'll see the money back on your card by Friday." in text
    assert "Right." not in text


def test_a_long_reason_gives_way_to_the_date_of_the_next_step():
    text = summary([
        ("agent", "Hello, Lakeside Water, <PERSON> speaking."),
        ("client", "My water meter is leaking under the sink and the whole cupboard is soaked, the floorboards "
                   "are starting to lift and I've had to move everything out into the hallway."),
        ("agent", "I've booked an emergency plumber to replace the meter fitting."),
        ("agent", "He will ring you when he sets off and will be with you tomorrow between eight in the "
                  "morning and twelve noon, and he'll bring a new fitting, so please keep the stopcock off "
                  "until Thursday."),
        ("client", "Okay.")])
    assert len(text) <= MAX_SUMMARY_CHARS
    assert "tomorrow between eight" in text and "Done: I've booked an emergency plumber" in text
    assert text.startswith("Reason: My water meter is leaking")


def test_what_the_agent_did_outranks_a_figure_they_read_out():
    text = summary(BOILER + [
        ("agent", "Okay, your balance is two hundred and twelve pounds."),
        ("client", "Right, and the leak?"),
        ("agent", "I'm afraid we can't pay for the cupboard, but I've sent a plumber's voucher to your email."),
        ("client", "Fine.")])
    assert "voucher" in text and "balance" not in text
    assert "I'm afraid" not in text  # the concession before "but" gives way to the action


def test_a_due_date_read_out_is_not_a_next_step():
    text = summary(BOILER + [
        ("agent", "The next instalment is forty pounds, due on the ninth."),
        ("agent", "There's a hardship form on our website for exactly this."),
        ("client", "Okay, I'll fill it in.")])
    assert "Next:" not in text
    assert "hardship form" in text  # the advice, not the amount, is what was done


def test_a_bare_hedge_is_not_quoted_as_what_was_done():
    text = summary(BOILER + [
        ("agent", "Could be a while, honestly."),
        ("agent", "There's a crew working on the main valve at the moment."),
        ("client", "Okay.")])
    assert "crew working on the main valve" in text and "Could be a while" not in text


def test_clauses_without_date_or_action_give_way_before_a_statement_does():
    text = summary(BOILER + [
        ("agent", "I've credited twenty pounds to your account for the trouble, you can see it in the app, under payments and statements."),
        ("agent", "I've booked a plumber for Thursday, between eight and twelve, he's called Dave, he has been with us for years.")])
    assert len(text) <= MAX_SUMMARY_CHARS
    assert "credited twenty pounds" in text and "Thursday, between eight and twelve." in text
    assert "Dave" not in text and "…" not in text  # trailing clauses made the room: nothing is cut mid-way


def test_compact_keeps_the_subject_dates_and_actions():
    from agents.analyze.summary import compact
    assert compact("I've raised a case, the team will call you within two days, on the number we hold.", "en") == \
        "I've raised a case, the team will call you within two days."
    assert compact("Заявку оформила, мастер придёт завтра, он вежливый.", "ru") == "Заявку оформила, мастер придёт завтра."
    middle = "I've booked it for Tuesday, between eight and twelve, he's called Dave."
    assert compact(middle, "en") == "I've booked it for Tuesday, between eight and twelve."  # the time stays
    kept = "Done, it's all sorted."
    assert compact(kept, "en") == kept


def test_a_redacted_name_is_not_a_reason():
    # A mono call the ASR stage could only partly attribute: the agent's "<name> speaking" stays
    # unknown and comes first; it says nothing once the name is redacted.
    text = summary([
        ("agent", "Morning, you're through to Brightwave Energy,"),
        ("unknown", "<PERSON> speaking."),
        ("agent", "Calls are recorded to help us train our staff. What can I do for you?"),
        ("unknown", "Hi. I've been charged twice for October and I'm honestly fed up."),
        ("agent", "I've put the refund through just now.")])
    assert text.startswith("Reason: I've been charged twice for October")
    assert "speaking" not in text


def test_a_wait_in_tens_of_minutes_is_a_next_step():
    text = summary([
        ("agent", "Hello, Roadside Rescue, <PERSON> speaking."),
        ("client", "My car's broken down on the ring road and won't start."),
        ("agent", "I've sent a patrol to you."),
        ("agent", "The patrol will be with you in about forty minutes."),
        ("client", "Thanks.")])
    assert "Next: The patrol will be with you in about forty minutes." in text


def test_the_problem_after_but_stays_when_the_reason_is_shortened():
    text = summary([
        ("agent", "Good evening, Seaview Cottages, <PERSON> speaking."),
        ("client", "I've got the cottage booked for the first week of August with my whole family, but my "
                   "husband has broken his leg badly, so we need to move the whole holiday to later on."),
        ("agent", "I've moved your booking to the second week of September at no extra charge, and "
                  "I've also added the late checkout you asked about last year for the whole family."),
        ("agent", "A new confirmation will be sent to your email address within the next two hours today."),
        ("client", "Thank you.")])
    assert len(text) <= MAX_SUMMARY_CHARS
    assert "broken his leg" in text and "first week of August" not in text


def test_on_an_outgoing_call_the_agents_purpose_is_the_reason():
    call_turns = [Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate([
        ("client", "Hello?"),
        ("agent", "Hi, it's the opticians, about your glasses order."),
        ("client", "Yes, speaking."),
        ("agent", "Your new glasses are ready and I've booked your fitting for Friday at ten."),
        ("client", "Lovely.")])]
    text = template_summary(CallText(call_turns, direction="outgoing"), "en")
    assert text.startswith("Reason: ") and "glasses order" in text.split("Done:")[0]
    incoming = template_summary(CallText(call_turns), "en")
    assert "glasses order" not in incoming.split("Done:")[0]


def outgoing(turns: list[tuple[str, str]], language: str = "en") -> str:
    call_turns = [Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)]
    return template_summary(CallText(call_turns, direction="outgoing"), language)


def test_on_a_call_the_agent_made_the_answering_words_are_no_reason():
    text = outgoing([
        ("client", "Hello?"),
        ("agent", "Good morning, it's <PERSON> calling from Brightwater Dental."),
        ("client", "Yes, that's me, go ahead, I'm just in the car so I can't talk for long."),
        ("agent", "I'm ringing about your check-up, the dentist is off sick on the twelfth."),
        ("agent", "I've moved you to the nineteenth at the same time."),
        ("client", "Fine, thanks.")])
    reason = text.split("Done:")[0]
    assert "check-up" in reason and "in the car" not in reason
    assert "calling from" not in reason  # an introduction, no purpose


def test_the_purpose_is_quoted_without_the_introduction_before_it():
    text = outgoing([
        ("client", "Hello?"),
        ("agent", "Hi there, it's <PERSON> from Millbrook Surgery, about your blood test results from Monday."),
        ("client", "Oh yes, go on."),
        ("agent", "They're all normal, so the doctor doesn't need to see you again."),
        ("client", "Brilliant, thank you.")])
    assert text.startswith("Reason: About your blood test results from Monday.")


def test_a_returned_call_keeps_the_callers_reason():
    text = outgoing([
        ("client", "Hello?"),
        ("agent", "Hi, it's <PERSON> at Parkview Lettings, getting back to you about your message."),
        ("client", "Oh great. The boiler in the flat has stopped heating the water since Monday."),
        ("agent", "I've sent a heating engineer, he'll be there on Thursday morning."),
        ("client", "Thank you.")])
    assert "boiler" in text.split("Done:")[0]


def test_a_russian_call_the_agent_made_gives_its_purpose():
    text = outgoing([
        ("client", "Алло, да, слушаю."),
        ("agent", "Здравствуйте, это клиника Добрый доктор. Звоню по поводу ваших анализов крови."),
        ("client", "Да-да, я как раз на работе сейчас, можно быстро?"),
        ("agent", "Результаты готовы, врач ждёт вас в среду в десять утра."),
        ("client", "Хорошо, спасибо.")], "ru")
    assert "анализов" in text.split("Сделано:")[0] and "на работе" not in text


def test_the_reason_starts_after_the_callers_introduction_and_details():
    text = summary([
        ("agent", "Morning, Greenway Waste, <PERSON> speaking, how can I help?"),
        ("client", "Hi, I'm <PERSON> at <ADDRESS>, born the ninth of June sixty-one, and my garden waste "
                   "wasn't collected yesterday."),
        ("agent", "I've booked a return collection for Thursday morning.")])
    assert "Reason: My garden waste wasn't collected yesterday." in text
    assert "I'm <PERSON>" not in text and "born" not in text


def test_an_introduction_alone_is_no_reason():
    text = summary([
        ("agent", "Hello, Fernside Dental, you're through to <PERSON>."),
        ("client", "Hello, my name is <PERSON>."),
        ("client", "I've cracked a filling and it's really sore when I eat."),
        ("agent", "I've put you in for an emergency slot at ten past nine tomorrow.")])
    assert "Reason: I've cracked a filling" in text
    assert "my name is" not in text.lower()


def test_a_russian_reason_heard_without_punctuation_loses_the_greeting_and_the_name():
    text = summary([
        ("agent", "Добрый день, компания Светлый дом, меня зовут <PERSON>, чем могу помочь?"),
        ("client", "Здравствуете меня зовут <PERSON> у меня третий день не работает домофон"),
        ("agent", "Я оформила заявку, мастер придёт завтра с десяти до двенадцати.")], "ru")
    assert "Причина: У меня третий день не работает домофон" in text
    assert "зовут" not in text



def test_a_short_sentence_after_a_long_one_gets_the_long_one_as_context():
    """with_context: a short reason ("Nine grand it cost us.") after a long sentence of the same turn
    is the weight of the problem; the sentence before it says what the problem is."""
    from agents.analyze.summary import with_context
    call = CallText([Turn(0, 0.0, 4.0, "agent", "Morning, Hillcrest Kitchens, <PERSON> speaking."),
                     Turn(1, 4.5, 14.0, "client", "You fitted our whole kitchen with the new worktops and the island "
                          "about eighteen months back, and now the oven door hinge has snapped clean off. "
                          "Nine grand it cost us. I'm livid.")])
    client = call.of_role("client")
    short = next(s for s in client if s.text.startswith("Nine grand"))
    assert with_context(short, client) == ("You fitted our whole kitchen with the new worktops and the island about "
                                           "eighteen months back, and now the oven door hinge has snapped clean off. "
                                           "Nine grand it cost us.")
    opening = next(s for s in client if s.text.startswith("You fitted"))
    assert with_context(opening, client) == opening.text  # a long reason stands alone


def test_a_part_the_asr_left_without_a_full_stop_ends_before_the_next_label():
    from agents.analyze.summary_text import compose
    summary = compose([("Причина", "Мне дважды списали оплату за свет,"), ("Сделано", "Я оформила возврат.")])
    assert summary == "Причина: Мне дважды списали оплату за свет. Сделано: Я оформила возврат."
    assert compose([("Reason", "Is the outage fixed?")]) == "Reason: Is the outage fixed?"


def test_an_agent_who_rang_without_about_wording_gives_their_news_as_the_reason():
    text = outgoing([
        ("client", "Hello, who's this?"),
        ("agent", "Hi, is that <PERSON>? It's <PERSON> from Oakridge Tyres. Your winter tyres have come in early and are ready to fit."),
        ("client", "Oh, that was quick, I'm stuck at work till five though."),
        ("agent", "No problem, I've booked you in for Saturday at nine."),
        ("client", "Great, cheers.")])
    reason = text.split("Done:")[0]
    assert "winter tyres" in reason and "stuck at work" not in reason


def test_a_russian_agent_who_rang_about_your_order_names_the_purpose():
    text = outgoing([
        ("client", "Да, слушаю вас."),
        ("agent", "Добрый день, мебельная фабрика «Дубрава», по вашему заказу шкафа-купе."),
        ("client", "Ой, здравствуйте, я как раз в магазине стою."),
        ("agent", "Сборщик приедет в пятницу с девяти до двенадцати."),
        ("client", "Хорошо, спасибо.")], "ru")
    reason = text.split("Сделано:")[0]
    assert "заказу шкафа" in reason and "магазине" not in reason


def test_the_news_after_the_purpose_in_the_same_turn_is_part_of_the_reason():
    text = outgoing([
        ("client", "Hello?"),
        ("agent", "Hi, it's <PERSON> from Clearview Blinds, about your fitting on Monday. Our fitter has broken his wrist, so we need a new date."),
        ("client", "Oh dear, alright."),
        ("agent", "I've moved you to Wednesday the ninth, same time."),
        ("client", "That's fine.")])
    reason = text.split("Done:")[0]
    assert "fitting on Monday" in reason and "broken his wrist" in reason


def test_a_caller_who_trails_off_gets_the_sentence_that_follows_as_the_reason():
    text = summary([
        ("agent", "Good morning, Hillside Heating, <PERSON> speaking, how can I help?"),
        ("client", "Hi, yeah, I had one of your engineers round on Tuesday for the annual service and er... "
                   "Now the radiators upstairs are stone cold."),
        ("agent", "I've booked the engineer back for Friday morning, no charge."),
        ("client", "Thanks.")])
    assert "stone cold" in text.split("Done:")[0]


def test_an_introduction_with_the_recording_notice_is_no_news():
    text = outgoing([
        ("client", "Да?"),
        ("agent", "Добрый день, компания «ЧистоДом», менеджер <PERSON>, разговор записывается. Удобно говорить?"),
        ("client", "Да, удобно, я как раз дома."),
        ("agent", "Уборку на субботу пришлось отменить, у бригады заболел сотрудник. Перенесу вас на понедельник, на десять утра."),
        ("client", "Ну ладно.")], "ru")
    assert "компания" not in text.split("Сделано:")[0]


# Room left in the CRM field goes to what else the agent did or found (session 15): a summary of
# two short statements used to leave out the cause the agent found, or a third thing done.
SHORT_FINDINGS = [
    ("agent", "Riverside Furniture, <PERSON> speaking, how can I help?"),
    ("client", "My new wardrobe arrived with one door split down the middle."),
    ("agent", "Oh no, what a pain, I'm sorry."),
    ("agent", "The warehouse packed it without corner guards."),
    ("agent", "I've ordered a replacement door from the factory."),
    ("agent", "I've also taken the delivery charge of thirty pounds off your order."),
    ("agent", "Takes two minutes."),
    ("client", "Right, thanks."),
    ("agent", "The new door will be fitted on Monday the ninth."),
]


def test_room_left_in_the_field_holds_a_third_agent_statement():
    text = summary(SHORT_FINDINGS)
    assert len(text) <= MAX_SUMMARY_CHARS
    assert "without corner guards" in text  # the cause the agent found
    assert "replacement door" in text and "thirty pounds" in text  # both things done
    assert "Monday the ninth" in text


def test_room_is_not_filled_with_sympathy_or_a_remark():
    text = summary(SHORT_FINDINGS)
    assert "what a pain" not in text and "Takes two minutes" not in text


def test_a_statement_that_does_not_fit_whole_is_not_added():
    long_reason = ("My new wardrobe arrived with one door split down the middle, and the frame is scratched "
                   "along the whole left side where the straps were.")
    text = summary([SHORT_FINDINGS[0], ("client", long_reason), *SHORT_FINDINGS[2:]])
    assert len(text) <= MAX_SUMMARY_CHARS
    assert "…" not in text.split("Done:")[1]  # statements in Done are whole, none cut to fit


def test_room_left_holds_what_the_agent_found_in_russian_too():
    text = summary([
        ("agent", "Служба доставки «Пчёлка», меня зовут <PERSON>, слушаю вас."),
        ("client", "Мне привезли холодильник с вмятиной на дверце."),
        ("agent", "Ой, как неприятно, простите."),
        ("agent", "Грузчики уронили его при разгрузке на складе."),
        ("agent", "Я оформила замену холодильника."),
        ("agent", "Доставку за полторы тысячи я вам вернула."),
        ("client", "Хорошо."),
        ("agent", "Новый холодильник привезут в пятницу с утра."),
    ], "ru")
    assert len(text) <= MAX_SUMMARY_CHARS
    assert "уронили" in text and "замену" in text and "пятницу" in text
    assert "неприятно" not in text


def test_room_is_not_filled_with_details_dictated_for_a_check():
    from agents.analyze.summary import informative
    assert not informative("So that's order RX2290 under your postcode, yes.")
    assert not informative("And you were born in 1983, that all matches.")
    assert not informative("That's the account for <PERSON> at <ADDRESS> then.")
    assert informative("The courier left it at the depot on the 14th by 8am.")  # dates and times are content
    assert not informative("Oh that's so annoying, I'm sorry.") and not informative("Might be a while, who knows.")


def test_a_two_word_opener_is_not_the_reason():
    text = summary([
        ("agent", "Harbour Gym, <PERSON> speaking."),
        ("client", "Oh, hiya. Hang on. My locker key snapped off in the lock with my car keys inside."),
        ("agent", "I've sent the caretaker down with the master key, he'll be there in five minutes."),
        ("client", "Thanks."),
    ])
    assert text.startswith("Reason: My locker key snapped off")


def test_a_short_opener_in_russian_is_not_the_reason_either():
    text = summary([
        ("agent", "Клиника «Зубр», администратор <PERSON>, слушаю."),
        ("client", "Ой, секунду. У меня выпала пломба, а завтра я уезжаю в командировку."),
        ("agent", "Я записала вас сегодня на шесть вечера к дежурному врачу."),
        ("client", "Спасибо."),
    ], "ru")
    assert text.startswith("Причина: У меня выпала пломба")
