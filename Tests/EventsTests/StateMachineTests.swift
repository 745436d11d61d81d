import Testing
@testable import Events

@Suite struct StateMachineDetectorTests {
    static let doorModel = StateMachineModel(
        initialState: "closed",
        states: [
            StateDefinition(name: "closed", transitions: [TransitionDefinition(to: "open", when: "door == 1")]),
            StateDefinition(name: "open",
                            onEnter: [.setTimer(name: "open_too_long", seconds: 300), .setVariable(name: "opened", expression: "$opened + 1")],
                            onExit: [.clearTimer(name: "open_too_long")],
                            transitions: [
                                TransitionDefinition(to: "closed", when: "door == 0"),
                                TransitionDefinition(to: "alarm", when: "timeout(\"open_too_long\")"),
                            ]),
            StateDefinition(name: "alarm",
                            onEnter: [.alert(message: "door open for 5 minutes", severity: .critical)],
                            transitions: [TransitionDefinition(to: "closed", when: "door == 0", actions: [.resolve(message: "door closed")])]),
        ])

    @Test func timerRaisesTheAlertAtItsDeadlineAndClosingResolves() throws {
        var d = StateMachineDetector(try CompiledModel(Self.doorModel))
        #expect(d.observe(s(0, "door", 1)) == [.stateChanged(time: minute(0), from: "closed", to: "open")])
        #expect(d.timers["open_too_long"] == minute(5))
        #expect(d.tick(now: minute(4)).isEmpty)
        // The tick comes late (minute 7): the alert is dated at the timer's deadline.
        let actions = d.tick(now: minute(7))
        #expect(actions == [
            .stateChanged(time: minute(5), from: "open", to: "alarm"),
            .fire(AlertSignal(time: minute(5), message: "door open for 5 minutes", severity: .critical)),
        ])
        #expect(d.timers.isEmpty)
        #expect(d.observe(s(8, "door", 0)) == [
            .resolve(time: minute(8), message: "door closed"),
            .stateChanged(time: minute(8), from: "alarm", to: "closed"),
        ])
    }

    @Test func closingInTimeClearsTheTimer() throws {
        var d = StateMachineDetector(try CompiledModel(Self.doorModel))
        _ = d.observe(s(0, "door", 1))
        _ = d.observe(s(2, "door", 0))
        #expect(d.stateName == "closed")
        #expect(d.timers.isEmpty)
        #expect(d.tick(now: minute(60)).isEmpty)
        _ = d.observe(s(61, "door", 1))
        #expect(d.variables["opened"] == nil) // $opened + 1 with $opened undefined stays undefined
    }

    @Test func invalidModelsAreRejected() {
        var m = Self.doorModel
        m.initialState = "ajar"
        #expect(throws: EventsError.self) { try CompiledModel(m) }
        m = Self.doorModel
        m.states[0].transitions = [TransitionDefinition(to: "nowhere", when: "true")]
        #expect(throws: EventsError.self) { try CompiledModel(m) }
        m = Self.doorModel
        m.states[0].transitions = [TransitionDefinition(to: "open", when: "door ==")]
        #expect(throws: EventsError.self) { try CompiledModel(m) }
    }
}

@Suite struct ConditionTests {
    let env = Condition.Environment(metrics: ["temperature": 9.5, "door": 1, "door.state": 0], variables: ["count": 3])

    @Test(arguments: [
        ("temperature > 8", true), ("temperature > 8 && door == 1", true), ("temperature > 8 and door == 0", false),
        ("!(temperature > 8) || door == 1", true), ("not door", false), ("door == true", true),
        ("$count * 2 + 1 == 7", true), ("-temperature < -9", true), ("(1 + 2) * 3 == 9", true),
        ("missing > 0", false), ("missing != 1", false), ("!(missing > 0)", true), ("door.state == 0", true),
        ("1 / 0 == 1", false), ("1e3 == 1000", true), ("temperature >= 9.5 && temperature <= 9.5", true),
        ("timeout(\"t\")", false),
    ])
    func evaluates(text: String, expected: Bool) throws {
        #expect(try Condition(text).isTrue(in: env) == expected)
    }

    @Test(arguments: [
        ("", 1), ("a >", 4), ("(a > 1", 7), ("a = 1", 3), ("timeout(t)", 9), ("$", 1), ("1.2.3 > 1", 1), ("a > 1 )", 7), ("timeout(\"x", 9),
    ])
    func reportsWhereItFails(text: String, column: Int) {
        #expect {
            try Condition(text)
        } throws: { error in
            guard case let EventsError.invalidExpression(_, c, _) = error else { return false }
            return c == column
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        #expect(throws: EventsError.self) { try Condition(String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)) }
        #expect(throws: EventsError.self) { try Condition(String(repeating: "!", count: 10_000) + "a") }
    }
}

@Suite struct StateMachineVariableTests {
    @Test func variablesCountAndGuardTransitions() throws {
        // Count door openings; alert on the third within the model's life, reset when acknowledged by door == 2.
        let model = StateMachineModel(
            initialState: "idle",
            states: [
                StateDefinition(name: "idle", onEnter: [.setVariable(name: "n", expression: "0")],
                                transitions: [TransitionDefinition(to: "counting", when: "door == 1", actions: [.setVariable(name: "n", expression: "$n + 1")])]),
                StateDefinition(name: "counting", transitions: [
                    TransitionDefinition(to: "alarm", when: "door == 1 && $n >= 2", actions: [.setVariable(name: "n", expression: "$n + 1")]),
                    TransitionDefinition(to: "counting", when: "door == 1", actions: [.setVariable(name: "n", expression: "$n + 1")]),
                ]),
                StateDefinition(name: "alarm", onEnter: [.alert(message: "opened 3 times", severity: nil)],
                                transitions: [TransitionDefinition(to: "idle", when: "door == 2", actions: [.resolve(message: nil)])]),
            ],
            inputs: ["door"])
        var d = StateMachineDetector(try CompiledModel(model))
        #expect(d.observe(s(0, "temperature", 5)).isEmpty) // not an input
        _ = d.observe(s(1, "door", 1))
        #expect(d.variables["n"] == 1)
        _ = d.observe(s(2, "door", 0)) // no transition matches
        _ = d.observe(s(3, "door", 1))
        #expect(d.variables["n"] == 2)
        #expect(d.stateName == "counting")
        let third = d.observe(s(4, "door", 1))
        #expect(third.contains(.fire(AlertSignal(time: minute(4), message: "opened 3 times"))))
        #expect(d.variables["n"] == 3)
        let reset = d.observe(s(5, "door", 2))
        #expect(reset.first == .resolve(time: minute(5), message: "resolved by state 'alarm'"))
        #expect(d.stateName == "idle")
        #expect(d.variables["n"] == 0)
    }
}
