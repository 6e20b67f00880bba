// All user-visible strings of both pages, in one place.
// Static markup uses data-i18n="key" (text), data-i18n-placeholder, data-i18n-aria-label and
// data-i18n-title; scripts call t(key, params). Placeholders look like {name}.

const STRINGS = {
  'zh-CN': {
    'lang.switch': 'English',
    'lang.switchLabel': 'Switch language / 切换语言',
    'app.title': '通办窗口',
    'app.subtitle': '长三角跨省通办 · 远程视频办事',
    'app.clerkSubtitle': '窗口工作台',

    'conn.connecting': '正在连接服务器…',
    'conn.reconnecting': '网络断开，正在重新连接…（第 {attempt} 次）',
    'conn.lost': '无法连接服务器。请检查网络后点击“重试”。',
    'conn.retry': '重试',
    'conn.online': '已连接',

    'step.progress': '第 {n} 步，共 {total} 步',
    'step.matter.title': '您要办理什么事项？',
    'step.matter.hint': '请点击选择一项。',
    'step.hall.title': '请选择办理大厅',
    'step.hall.hint': '以下大厅可以办理该事项。',
    'step.materials': '请提前准备好：',
    'step.minutes': '约需 {n} 分钟',
    'step.next': '下一步',
    'step.back': '上一步',

    'step.contact.title': '请填写您的姓名和手机号',
    'contact.name': '姓名',
    'contact.namePlaceholder': '例如：张秀英',
    'contact.mobile': '手机号码',
    'contact.mobilePlaceholder': '11 位手机号',
    'contact.nameInvalid': '请填写姓名（1 到 40 个字）。',
    'contact.mobileInvalid': '请填写正确的 11 位手机号码，以 1 开头。',

    'step.device.title': '检查摄像头和麦克风',
    'device.hint': '如果浏览器询问，请点击“允许”。您应能在下方看到自己的画面。',
    'device.checking': '正在打开摄像头和麦克风…',
    'device.ok': '摄像头和麦克风正常。',
    'device.micLevel': '请说句话，绿色条会跳动：',
    'device.denied': '您没有允许使用摄像头和麦克风。请点击地址栏左侧的图标，选择“允许”，然后点击“重新检测”。',
    'device.notFound': '没有找到摄像头或麦克风。请检查设备是否插好，然后点击“重新检测”。',
    'device.busy': '摄像头或麦克风正被其他程序使用。请关闭其他程序后点击“重新检测”。',
    'device.unsupported': '此浏览器不支持视频通话，请使用最新版的 Chrome、Edge 或 Firefox。',
    'device.error': '摄像头或麦克风无法使用：{detail}',
    'device.retry': '重新检测',
    'device.skip': '没有摄像头，只用语音',
    'device.join': '取号排队',

    'ticket.title': '您已取号',
    'ticket.number': '您的号码',
    'ticket.position': '排队位置',
    'ticket.positionValue': '第 {n} 位',
    'ticket.next': '下一位就是您',
    'ticket.eta': '预计等待',
    'ticket.etaMinutes': '约 {n} 分钟',
    'ticket.etaUnknown': '暂无法估计',
    'ticket.noClerk': '目前没有工作人员在岗。工作人员上岗后会按顺序叫号，请耐心等候。',
    'ticket.hint': '请不要关闭此页面。轮到您时，工作人员会自动与您视频连线。',
    'ticket.leave': '不办了，离开队列',
    'ticket.leaveConfirm': '确定要离开队列吗？您的号码将作废。',
    'ticket.clerkLost': '工作人员的网络中断了。您已被排回队列最前面，请稍候。',

    'call.with': '为您办理的工作人员：',
    'call.connecting': '正在接通视频…',
    'call.peerLost': '对方网络不稳定，正在等待重新连接…',
    'call.selfView': '我的画面',
    'call.mic': '麦克风',
    'call.micOn': '关闭麦克风',
    'call.micOff': '打开麦克风',
    'call.cam': '摄像头',
    'call.camOn': '关闭摄像头',
    'call.camOff': '打开摄像头',
    'call.share': '共享我的屏幕',
    'call.stopShare': '停止共享屏幕',
    'call.sharing': '您正在共享屏幕，工作人员可以看到。',
    'call.shareFailed': '没有共享屏幕。',
    'call.hangup': '挂断',
    'call.hangupConfirm': '确定要结束本次视频办理吗？',
    'call.hangupYes': '是，结束',
    'call.hangupNo': '不，继续',
    'call.soundBlocked': '点这里打开声音',
    'call.matter': '事项',
    'call.ticket': '号码',

    'chat.title': '文字消息',
    'chat.placeholder': '在这里输入文字…',
    'chat.send': '发送',
    'chat.empty': '还没有消息。',
    'chat.me': '我',
    'chat.applicant': '申请人',
    'chat.clerk': '工作人员',

    'end.title': '感谢您的使用',
    'end.byClerk': '工作人员已结束本次办理。',
    'end.byMe': '您已结束本次视频办理。',
    'end.byServer': '本次办理已结束。',
    'end.applicantLost': '由于网络中断，本次办理已结束。',
    'end.outcome': '办理结果：{outcome}',
    'end.ticketDone': '号码 {number} 已办结。',
    'end.cancelled': '您已离开队列，号码已作废。',
    'end.expired': '您的号码已过期。',
    'end.again': '重新取号',

    'outcome.completed': '已办结',
    'outcome.follow_up': '需后续跟进',
    'outcome.absent': '申请人未到',

    // Clerk console
    'login.title': '窗口工作人员登录',
    'login.username': '工号',
    'login.password': '密码',
    'login.submit': '登录',
    'login.busy': '正在登录…',
    'logout': '退出登录',

    'clerk.status': '状态',
    'status.available': '可接待',
    'status.away': '暂离',
    'status.busy': '办理中',
    'status.wrap_up': '整理中',
    'status.setAvailable': '开始接待',
    'status.setAway': '设为暂离',

    'queue.title': '等候队列',
    'queue.count': '共 {n} 人等候',
    'queue.empty': '目前没有人等候。',
    'queue.takeNext': '叫下一位',
    'queue.take': '接待',
    'queue.number': '号码',
    'queue.matter': '事项',
    'queue.applicant': '申请人',
    'queue.waiting': '已等候',
    'queue.returned': '重新排队',
    'queue.disconnected': '已掉线',
    'queue.awayHint': '您处于“暂离”状态。点击“开始接待”后可叫号。',
    'queue.selfView': '我的画面',

    'duration.minSec': '{m} 分 {s} 秒',
    'duration.sec': '{s} 秒',

    'session.applicant': '申请人',
    'session.mobile': '手机',
    'session.matter': '事项',
    'session.hall': '大厅',
    'session.number': '号码',
    'session.camera': '申请人摄像头',
    'session.screen': '申请人共享的屏幕',
    'session.noScreen': '申请人尚未共享屏幕。',
    'session.end': '结束办理',
    'session.fullscreen': '全屏查看',
    'session.peerLost': '申请人掉线了，等待其重新连接（最多 2 分钟）…',
    'session.peerBack': '申请人已重新连接。',
    'session.resumed': '通话已恢复。',

    'outcomeDialog.title': '请选择办理结果',
    'outcomeDialog.hintEnd': '结束前请选择本次办理的结果。',
    'outcomeDialog.hintEnded': '申请人已结束通话。请选择本次办理的结果。',
    'outcomeDialog.hintLost': '申请人掉线未回来，会话已结束。请选择本次办理的结果。',
    'outcomeDialog.note': '备注（可选）',
    'outcomeDialog.submit': '确认',
    'outcomeDialog.cancel': '取消',
    'outcomeDialog.required': '请先选择一个结果。',
    'outcomeDialog.gone': '该会话的结果已无法记录（连接中断后会话已关闭）。',
    'clerk.ended.applicant': '申请人已挂断。',
    'clerk.sessionLostReconnect': '网络中断，本次会话已结束，申请人已回到队列最前面。',

    // Error codes from docs/protocol.md
    'error.BAD_JSON': '消息格式错误。',
    'error.UNKNOWN_TYPE': '系统不认识这个操作。',
    'error.INVALID_FIELD': '填写的信息有误，请检查。',
    'error.FRAME_TOO_LARGE': '消息太长，未发送。',
    'error.FRAME_WAY_TOO_LARGE': '消息太长，连接已断开。',
    'error.RATE_LIMITED': '操作太频繁，请稍后再试。',
    'error.UNSUPPORTED_VERSION': '页面版本过旧，请刷新页面。',
    'error.UNAUTHENTICATED': '请先登录。',
    'error.AUTH_FAILED': '工号或密码不正确，或登录已过期。',
    'error.LOGIN_LOCKED': '登录失败次数太多，请一分钟后再试。',
    'error.FORBIDDEN_FOR_ROLE': '您没有权限进行这个操作。',
    'error.WRONG_STATE': '当前状态下不能进行这个操作。',
    'error.NOT_IN_SESSION': '您不在这个会话中。',
    'error.UNKNOWN_MATTER': '该大厅不办理此事项，请重新选择。',
    'error.UNKNOWN_HALL': '找不到该大厅，请重新选择。',
    'error.NO_SUCH_TICKET': '这个号码已不在队列中。',
    'error.TICKET_TAKEN': '这个号码已被其他工作人员接待。',
    'error.NOT_QUALIFIED': '您不负责这个事项。',
    'error.QUEUE_EMPTY': '目前没有人等候。',
    'error.RESUME_INVALID': '您的号码已失效，请重新取号。',
    'error.SUPERSEDED': '您已在另一个窗口或设备上继续办理，此页面已停止。',
    'error.INTERNAL': '系统出了点问题，请稍后再试。',
    'error.NETWORK': '网络错误，请检查网络后再试。',
    'error.unknown': '出错了（{code}）。',
    'error.catalog': '无法加载事项列表，请刷新页面重试。',

    // Routing: language, priority groups, appointments, wrap-up, transfer, supervisor board.
    'contact.language': '办理语言',
    'contact.priority': '特殊人群优先（如符合请勾选，工作人员将当面核实）',
    'contact.appointment': '预约码（没有预约可不填）',
    'contact.appointmentPlaceholder': '8 位预约码',
    'contact.appointmentInvalid': '预约码是 8 位字母或数字。',
    'language.mandarin': '普通话',
    'language.shanghainese': '上海话',
    'language.changzhou': '常州话',
    'language.english': 'English',
    'priority.elderly': '70 岁以上老人',
    'priority.disabled': '残疾人',
    'priority.pregnant': '孕妇',
    'ticket.appointment': '预约时段 {time}，到时优先办理',
    'ticket.priority': '已申请优先：{group}',
    'ticket.transferred': '工作人员已将您转接到 {name}，请稍候。',
    'ticket.transferredQueue': '工作人员已将您转到 {hall} 的队列最前面，请稍候。',
    'status.endWrapUp': '整理完毕，开始接待',
    'status.wrapUpLeft': '整理中（{n} 秒后自动可接待）',
    'queue.overflow': '协作',
    'queue.priority': '优先',
    'queue.appointment': '预约',
    'session.language': '语言',
    'session.priority': '优先申请',
    'session.priorityConfirm': '核实属实',
    'session.priorityReject': '不属实',
    'session.priorityConfirmed': '已核实属实',
    'session.priorityRejected': '已标记为不属实',
    'session.transfer': '转接',
    'session.transferClerk': '转给工作人员（工号）',
    'session.transferHall': '或转回大厅队列',
    'session.transferGo': '确认转接',
    'session.transferred': '已转接，本次会话结束。',
    'app.supervisorSubtitle': '队列监控',
    'board.title': '各大厅队列',
    'board.hall': '大厅',
    'board.matter': '事项',
    'board.waiting': '等候',
    'board.longest': '最长等候',
    'board.expected': '新取号预计等待',
    'board.overflow': '跨厅协作',
    'board.overflowOpen': '已开启',
    'board.clerks': '工作人员（可接待/办理中/整理中/暂离）',
    'board.special': '优先/预约',
    'board.noClerk': '无人在岗',
    'board.clerkList': '在线工作人员',
    'board.clerk': '姓名',
    'board.status': '状态',
    'board.since': '持续',
    'board.updated': '更新于 {time}',
    'board.empty': '没有在线的工作人员。',
    'error.UNKNOWN_LANGUAGE': '不支持所选的语言。',
    'error.LANGUAGE_NOT_OFFERED': '该大厅暂无工作人员能用所选语言办理，请选择其他语言。',
    'error.UNKNOWN_PRIORITY_GROUP': '优先类别无效，请重新选择。',
    'error.NO_AGREEMENT': '本大厅与该事项的归属大厅没有协作协议。',
    'error.OVERFLOW_CLOSED': '归属大厅等候时间未超过协作阈值，暂不能代办。',
    'error.CLERK_UNAVAILABLE': '该工作人员当前不可接待。',
    'error.NOT_SUPERVISOR': '此账号没有队列监控权限。',
    'error.NO_SUCH_SLOT': '该时段不可预约。',
    'error.SLOT_IN_PAST': '该时段已开始，不能再预约。',
    'error.SLOT_FULL': '该时段已约满，请选择其他时段。',
    'error.NO_SUCH_APPOINTMENT': '预约码与事项、大厅或手机号不符。',
    'error.APPOINTMENT_NOT_DUE': '还未到签到时间：预约时段开始前 30 分钟内可签到。',
    'error.APPOINTMENT_EXPIRED': '该预约已使用或已过期。',
  },

  en: {
    'lang.switch': '中文',
    'lang.switchLabel': 'Switch language / 切换语言',
    'app.title': 'Tongban',
    'app.subtitle': 'Yangtze River Delta cross-region service · video window',
    'app.clerkSubtitle': 'Clerk console',

    'conn.connecting': 'Connecting to the server…',
    'conn.reconnecting': 'Connection lost, reconnecting… (attempt {attempt})',
    'conn.lost': 'Cannot reach the server. Check your network and press “Retry”.',
    'conn.retry': 'Retry',
    'conn.online': 'Connected',

    'step.progress': 'Step {n} of {total}',
    'step.matter.title': 'What do you need to do?',
    'step.matter.hint': 'Tap one item.',
    'step.hall.title': 'Choose the service hall',
    'step.hall.hint': 'These halls handle this matter.',
    'step.materials': 'Please have ready:',
    'step.minutes': 'about {n} min',
    'step.next': 'Next',
    'step.back': 'Back',

    'step.contact.title': 'Your name and mobile number',
    'contact.name': 'Name',
    'contact.namePlaceholder': 'e.g. Zhang Xiuying',
    'contact.mobile': 'Mobile number',
    'contact.mobilePlaceholder': '11 digits',
    'contact.nameInvalid': 'Please enter your name (1 to 40 characters).',
    'contact.mobileInvalid': 'Please enter a valid 11-digit mobile number starting with 1.',

    'step.device.title': 'Check camera and microphone',
    'device.hint': 'If the browser asks, press “Allow”. You should see yourself below.',
    'device.checking': 'Opening camera and microphone…',
    'device.ok': 'Camera and microphone work.',
    'device.micLevel': 'Say something — the green bar moves:',
    'device.denied': 'Camera and microphone were not allowed. Click the icon left of the address bar, choose “Allow”, then press “Check again”.',
    'device.notFound': 'No camera or microphone found. Check that it is plugged in, then press “Check again”.',
    'device.busy': 'Another program is using the camera or microphone. Close it, then press “Check again”.',
    'device.unsupported': 'This browser cannot make video calls. Please use a recent Chrome, Edge or Firefox.',
    'device.error': 'Camera or microphone failed: {detail}',
    'device.retry': 'Check again',
    'device.skip': 'No camera — voice only',
    'device.join': 'Take a ticket',

    'ticket.title': 'You have a ticket',
    'ticket.number': 'Your number',
    'ticket.position': 'Place in line',
    'ticket.positionValue': 'No. {n}',
    'ticket.next': 'You are next',
    'ticket.eta': 'Estimated wait',
    'ticket.etaMinutes': 'about {n} min',
    'ticket.etaUnknown': 'not known yet',
    'ticket.noClerk': 'No clerk is on duty right now. You will be called in turn as soon as one starts.',
    'ticket.hint': 'Keep this page open. When it is your turn, a clerk will connect to you by video automatically.',
    'ticket.leave': 'Leave the queue',
    'ticket.leaveConfirm': 'Leave the queue? Your number will be cancelled.',
    'ticket.clerkLost': 'The clerk’s connection dropped. You are back at the front of the queue — please wait.',

    'call.with': 'Your clerk:',
    'call.connecting': 'Connecting video…',
    'call.peerLost': 'The other side’s network is unstable, waiting…',
    'call.selfView': 'Me',
    'call.mic': 'Microphone',
    'call.micOn': 'Mute mic',
    'call.micOff': 'Unmute mic',
    'call.cam': 'Camera',
    'call.camOn': 'Camera off',
    'call.camOff': 'Camera on',
    'call.share': 'Share my screen',
    'call.stopShare': 'Stop sharing',
    'call.sharing': 'You are sharing your screen; the clerk can see it.',
    'call.shareFailed': 'Screen not shared.',
    'call.hangup': 'Hang up',
    'call.hangupConfirm': 'End this video session?',
    'call.hangupYes': 'Yes, end it',
    'call.hangupNo': 'No, continue',
    'call.soundBlocked': 'Tap here to turn sound on',
    'call.matter': 'Matter',
    'call.ticket': 'Number',

    'chat.title': 'Messages',
    'chat.placeholder': 'Type a message…',
    'chat.send': 'Send',
    'chat.empty': 'No messages yet.',
    'chat.me': 'Me',
    'chat.applicant': 'Applicant',
    'chat.clerk': 'Clerk',

    'end.title': 'Thank you',
    'end.byClerk': 'The clerk ended the session.',
    'end.byMe': 'You ended the video session.',
    'end.byServer': 'The session has ended.',
    'end.applicantLost': 'The session ended because the connection was lost.',
    'end.outcome': 'Result: {outcome}',
    'end.ticketDone': 'Number {number} is finished.',
    'end.cancelled': 'You left the queue; your number is cancelled.',
    'end.expired': 'Your number has expired.',
    'end.again': 'Take a new ticket',

    'outcome.completed': 'Completed',
    'outcome.follow_up': 'Needs follow-up',
    'outcome.absent': 'Applicant absent',

    'login.title': 'Clerk sign-in',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.busy': 'Signing in…',
    'logout': 'Sign out',

    'clerk.status': 'Status',
    'status.available': 'Available',
    'status.away': 'Away',
    'status.busy': 'In session',
    'status.wrap_up': 'Wrapping up',
    'status.setAvailable': 'Start serving',
    'status.setAway': 'Set away',

    'queue.title': 'Waiting queue',
    'queue.count': '{n} waiting',
    'queue.empty': 'Nobody is waiting.',
    'queue.takeNext': 'Take next',
    'queue.take': 'Take',
    'queue.number': 'Number',
    'queue.matter': 'Matter',
    'queue.applicant': 'Applicant',
    'queue.waiting': 'Waiting',
    'queue.returned': 'returned',
    'queue.disconnected': 'disconnected',
    'queue.awayHint': 'You are away. Press “Start serving” to take tickets.',
    'queue.selfView': 'Me',

    'duration.minSec': '{m} min {s} s',
    'duration.sec': '{s} s',

    'session.applicant': 'Applicant',
    'session.mobile': 'Mobile',
    'session.matter': 'Matter',
    'session.hall': 'Hall',
    'session.number': 'Number',
    'session.camera': 'Applicant camera',
    'session.screen': 'Applicant’s shared screen',
    'session.noScreen': 'The applicant is not sharing the screen.',
    'session.end': 'End session',
    'session.fullscreen': 'Full screen',
    'session.peerLost': 'The applicant dropped; waiting for them to come back (up to 2 minutes)…',
    'session.peerBack': 'The applicant is back.',
    'session.resumed': 'The call was resumed.',

    'outcomeDialog.title': 'Outcome of the session',
    'outcomeDialog.hintEnd': 'Choose the outcome before ending.',
    'outcomeDialog.hintEnded': 'The applicant hung up. Choose the outcome of the session.',
    'outcomeDialog.hintLost': 'The applicant did not come back; the session ended. Choose the outcome.',
    'outcomeDialog.note': 'Note (optional)',
    'outcomeDialog.submit': 'Confirm',
    'outcomeDialog.cancel': 'Cancel',
    'outcomeDialog.required': 'Choose an outcome first.',
    'outcomeDialog.gone': 'The outcome of that session can no longer be recorded (it was closed after a connection loss).',
    'clerk.ended.applicant': 'The applicant hung up.',
    'clerk.sessionLostReconnect': 'The connection dropped; the session ended and the applicant is back at the head of the queue.',

    'error.BAD_JSON': 'Malformed message.',
    'error.UNKNOWN_TYPE': 'Unknown operation.',
    'error.INVALID_FIELD': 'Some information is invalid; please check.',
    'error.FRAME_TOO_LARGE': 'Message too long; not sent.',
    'error.FRAME_WAY_TOO_LARGE': 'Message too long; the connection was closed.',
    'error.RATE_LIMITED': 'Too many actions; please wait a moment.',
    'error.UNSUPPORTED_VERSION': 'This page is out of date; please reload.',
    'error.UNAUTHENTICATED': 'Please sign in first.',
    'error.AUTH_FAILED': 'Wrong user name or password, or the sign-in expired.',
    'error.LOGIN_LOCKED': 'Too many failed sign-ins; try again in a minute.',
    'error.FORBIDDEN_FOR_ROLE': 'You may not do this.',
    'error.WRONG_STATE': 'This cannot be done right now.',
    'error.NOT_IN_SESSION': 'You are not in this session.',
    'error.UNKNOWN_MATTER': 'That hall does not handle this matter; please choose again.',
    'error.UNKNOWN_HALL': 'Unknown hall; please choose again.',
    'error.NO_SUCH_TICKET': 'That ticket is no longer waiting.',
    'error.TICKET_TAKEN': 'Another clerk took that ticket.',
    'error.NOT_QUALIFIED': 'You do not handle that matter.',
    'error.QUEUE_EMPTY': 'Nobody is waiting.',
    'error.RESUME_INVALID': 'Your ticket is no longer valid; please take a new one.',
    'error.SUPERSEDED': 'You continued in another window or device; this page has stopped.',
    'error.INTERNAL': 'Something went wrong on the server; please try again.',
    'error.NETWORK': 'Network error; check your connection and try again.',
    'error.unknown': 'Error ({code}).',
    'error.catalog': 'Could not load the list of matters; please reload the page.',

    // Routing: language, priority groups, appointments, wrap-up, transfer, supervisor board.
    'contact.language': 'Language of service',
    'contact.priority': 'Priority for people who need it (tick if it applies; the clerk will check)',
    'contact.appointment': 'Appointment code (leave empty without an appointment)',
    'contact.appointmentPlaceholder': '8-character code',
    'contact.appointmentInvalid': 'The appointment code has 8 letters or digits.',
    'language.mandarin': 'Mandarin',
    'language.shanghainese': 'Shanghainese',
    'language.changzhou': 'Changzhou dialect',
    'language.english': 'English',
    'priority.elderly': 'Aged 70 or over',
    'priority.disabled': 'Disabled',
    'priority.pregnant': 'Pregnant',
    'ticket.appointment': 'Appointment at {time}: served first from then on',
    'ticket.priority': 'Priority requested: {group}',
    'ticket.transferred': 'The clerk transferred you to {name}; please wait.',
    'ticket.transferredQueue': 'The clerk put you back at the front of the {hall} queue; please wait.',
    'status.endWrapUp': 'Done, start serving',
    'status.wrapUpLeft': 'Wrapping up (available again in {n} s)',
    'queue.overflow': 'partner',
    'queue.priority': 'priority',
    'queue.appointment': 'appointment',
    'session.language': 'Language',
    'session.priority': 'Priority claim',
    'session.priorityConfirm': 'Confirmed',
    'session.priorityReject': 'Not true',
    'session.priorityConfirmed': 'Checked: confirmed',
    'session.priorityRejected': 'Checked: flagged as not true',
    'session.transfer': 'Transfer',
    'session.transferClerk': 'To a clerk (user name)',
    'session.transferHall': 'or back to a hall’s queue',
    'session.transferGo': 'Transfer now',
    'session.transferred': 'Transferred; this session has ended.',
    'app.supervisorSubtitle': 'Queue supervision',
    'board.title': 'Queues of every hall',
    'board.hall': 'Hall',
    'board.matter': 'Matter',
    'board.waiting': 'Waiting',
    'board.longest': 'Longest wait',
    'board.expected': 'Expected wait (new ticket)',
    'board.overflow': 'Overflow',
    'board.overflowOpen': 'open',
    'board.clerks': 'Clerks (available/busy/wrap-up/away)',
    'board.special': 'Priority/appointments',
    'board.noClerk': 'nobody on duty',
    'board.clerkList': 'Clerks signed in',
    'board.clerk': 'Name',
    'board.status': 'Status',
    'board.since': 'For',
    'board.updated': 'Updated {time}',
    'board.empty': 'No clerk is signed in.',
    'error.UNKNOWN_LANGUAGE': 'That language is not offered.',
    'error.LANGUAGE_NOT_OFFERED': 'No clerk of that hall serves in that language now; please choose another.',
    'error.UNKNOWN_PRIORITY_GROUP': 'Unknown priority group; please choose again.',
    'error.NO_AGREEMENT': 'Your hall has no agreement with the owning hall for this matter.',
    'error.OVERFLOW_CLOSED': 'The owning hall’s wait is below the overflow threshold; it is not yours to take yet.',
    'error.CLERK_UNAVAILABLE': 'That clerk is not available now.',
    'error.NOT_SUPERVISOR': 'This account may not supervise the queues.',
    'error.NO_SUCH_SLOT': 'No appointment can be booked at that time.',
    'error.SLOT_IN_PAST': 'That slot has begun and can no longer be booked.',
    'error.SLOT_FULL': 'That slot is fully booked; please choose another.',
    'error.NO_SUCH_APPOINTMENT': 'The appointment code does not match the matter, hall or mobile number.',
    'error.APPOINTMENT_NOT_DUE': 'Too early to check in: check-in opens 30 minutes before the slot.',
    'error.APPOINTMENT_EXPIRED': 'That appointment was used or has expired.',
  },
};

const DEFAULT_LANG = 'zh-CN';
const STORAGE_KEY = 'tongban.lang';
const listeners = new Set();

let lang = pickInitialLanguage();

function pickInitialLanguage() {
  const fromQuery = new URLSearchParams(location.search).get('lang');
  if (fromQuery && STRINGS[fromQuery]) return fromQuery;
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && STRINGS[saved]) return saved;
  } catch {
    // storage may be disabled; fall back to the default
  }
  return DEFAULT_LANG;
}

export function getLang() {
  return lang;
}

/** Translates a key; unknown keys come back as the key so that gaps are visible, not blank. */
export function t(key, params = {}) {
  const table = STRINGS[lang] ?? STRINGS[DEFAULT_LANG];
  const text = table[key] ?? STRINGS[DEFAULT_LANG][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** A friendly message for a server error code (docs/protocol.md). */
export function errorText(code) {
  const key = `error.${code}`;
  return hasKey(key) ? t(key) : t('error.unknown', { code });
}

export function hasKey(key) {
  return key in STRINGS[DEFAULT_LANG];
}

/** Fills every element carrying data-i18n* attributes under root. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}

export function setLang(next) {
  if (!STRINGS[next] || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not persisted; fine
  }
  applyI18n();
  for (const listener of listeners) listener(lang);
}

export function onLangChange(listener) {
  listeners.add(listener);
}

/** Wires a button that toggles between the two languages. */
export function bindLanguageSwitch(button) {
  button.addEventListener('click', () => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN'));
}

/** "3 分 05 秒" style durations. */
export function formatDuration(totalSeconds) {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? t('duration.minSec', { m, s: String(s).padStart(2, '0') }) : t('duration.sec', { s });
}

export function formatTime(epochMs) {
  return new Date(epochMs).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

export const LANGUAGES = Object.keys(STRINGS);
