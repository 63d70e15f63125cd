# Provisio: 한국어 메시지. 브랜드와 제품 이름(Webex, Control Hub, Cloud/SaaS, PONR, 오퍼 이름),
# ID, 주소, URL은 그대로 둡니다.

skip-to-content = 본문으로 건너뛰기
nav-label = 보기 변경
nav-orders = 주문
language = 언어
language-apply = 언어 변경
sign-out = 로그아웃
menu = 메뉴
back-to-orders = 주문 목록으로
back-to-order = 주문 { $id }(으)로 돌아가기
search = 검색
next-page = 다음 페이지
close = 닫기
cancel = 취소
save = 저장
edit = 편집
history = 기록
click-here = 여기를 클릭하세요

login-title = Provisio 로그인
login-email = 이메일 주소
login-password = 비밀번호
login-submit = 로그인
login-failed = 이메일 주소 또는 비밀번호가 올바르지 않습니다. 둘 다 확인한 후 다시 시도하세요.
login-throttled = { $minutes ->
   *[other] 이 주소로 로그인에 너무 많이 실패했습니다. { $minutes }분 후에 다시 시도하세요.
}
login-busy = 지금은 로그인 요청이 매우 많습니다. 몇 초 후에 다시 시도하세요.

csrf-title = 이 양식이 만료되었습니다
csrf-message = 보안을 위해 양식은 다시 로그인하거나 일정 시간이 지나면 만료됩니다. 아무것도 변경되지 않았습니다. 페이지를 다시 불러온 후 다시 시도하세요.
csrf-reload = 페이지 다시 불러오기
not-found-title = 페이지를 찾을 수 없습니다
not-found-message = 해당 페이지가 없거나 접근 권한이 없습니다. 주문 또는 구독 ID를 확인하세요.
error-title = 문제가 발생했습니다
error-message = 아무것도 변경되지 않았습니다. 잠시 후 다시 시도하고, 계속 발생하면 지원 사례를 여세요.
unavailable-title = 데이터베이스를 사용할 수 없습니다
unavailable-message = 지금 포털이 데이터베이스에 연결할 수 없습니다. 아무것도 변경되지 않았습니다. 잠시 후 다시 시도하세요.

orders-title = 주문
orders-search = 웹 주문 ID 또는 구독 ID
orders-none = 아직 회사의 주문이 없습니다.
orders-none-found = 그렇게 시작하는 주문 또는 구독 ID가 없습니다. ID를 확인하고 다시 검색하세요.
col-order = 웹 주문 ID
col-customer = 고객
col-partner = 파트너
col-distributor = 유통업체
col-lines = 줄
col-subscription = 구독 ID
col-offer = 오퍼
col-rsd = 요청 시작일
col-status = 상태
col-contact = 프로비저닝 연락처 이메일
col-actions = 작업
col-when = 일시
col-type = 트랜잭션 유형
col-change = 변경 내용
col-who = 요청자
ponr-reached-at = { $when }에 도달(Control Hub에 조직 등록됨)
ponr-not-reached = 도달하지 않음
order-title = 주문 { $id }
order-creator = 주문자
lines-caption = 주문 줄
order-count-awaiting = { $count ->
   *[other] 프로비저닝 정보 대기 중인 줄 { $count }개
}
order-count-closed = { $count ->
   *[other] 닫힘 상태인 줄 { $count }개
}
order-count-complete = { $count ->
   *[other] 프로비저닝 완료된 줄 { $count }개
}
order-search = 이 주문의 구독 ID
order-search-clear = 처음부터 모든 줄 보기
order-no-lines = 이 주문에는 줄이 없습니다.
order-no-lines-found = 이 주문에는 그렇게 시작하는 구독 ID의 줄이 없습니다. ID를 확인하고 다시 검색하세요.
order-permission-note = 이 주문의 프로비저닝 연락처를 변경할 권한이 없습니다. 주문한 사람에게 요청하세요: { $name } ({ $email }).
lines-permission-note = 이 중 일부 줄의 프로비저닝 연락처를 변경할 권한이 없습니다. 각 줄에 표시된, 주문한 사람에게 요청하세요.

status-awaiting = 프로비저닝 세부 정보 대기
status-closed = 닫힘
status-complete = 프로비저닝 완료
closed-pending = 프로비저닝이 아직 보류 중입니다.

edit-line-label = { $id }의 프로비저닝 연락처 편집
edit-title = 프로비저닝 연락처 편집
edit-intro = 구독 { $id }. 현재 프로비저닝 연락처는 { $email }입니다.
edit-label = 새 프로비저닝 연락처 이메일
apply-to-all = 모든 줄에 적용
apply-to-all-hint = { $count ->
   *[other] 이 주문에서 프로비저닝 세부 정보를 기다리는 다른 줄 { $count }개도 변경합니다.
}
edit-saved = { $count ->
   *[other] { $count }개 줄의 프로비저닝 연락처가 { $email }(으)로 업데이트되었습니다.
}
edit-unchanged = 프로비저닝 연락처가 이미 { $email }입니다. 아무것도 변경되지 않았습니다.
edit-blocked-ponr = PONR에 도달했으므로 설정은 관리 콘솔에서 계속됩니다.
edit-blocked-closed = 이 줄은 닫혔습니다. Cloud/SaaS 구독 페이지에서 변경하세요.
edit-blocked-complete = 프로비저닝이 완료되어 변경할 것이 없습니다.
edit-blocked-permission = 이 주문을 한 { $name } ({ $email })에게 요청하세요.

email-error-empty = 프로비저닝 연락처의 이메일 주소를 입력하세요.
email-error-too-long = 이메일 주소는 최대 254자입니다.
email-error-local-too-long = @ 앞부분은 최대 64자입니다.
email-error-not-one = 이름이나 다른 주소 없이 name@example.com 같은 이메일 주소 하나만 입력하세요.
email-error-invalid = name@example.com 같은 올바른 형식의 이메일 주소를 입력하세요.

refusal-permission-title = 이 주문을 변경할 수 없습니다
refusal-permission = 주문한 사람이나 편집 권한이 있는 사용자만 프로비저닝 연락처를 변경할 수 있습니다. { $name } ({ $email })에게 요청하세요.
refusal-ponr-title = 복귀 불가 지점(PONR)에 도달했습니다
refusal-ponr = 고객 조직이 이미 Control Hub에 등록되어 프로비저닝 연락처를 더 이상 변경할 수 없고 이메일을 다시 보낼 수도 없습니다. 프로비저닝 연락처 또는 고객 관리자가 관리 콘솔에 직접 로그인하여 설정을 완료할 수 있습니다.
refusal-ponr-link = 관리 콘솔 열기
refusal-closed-title = 이 줄은 닫혔습니다
refusal-closed = 설정이 끝나기 전에 줄이 닫혀 프로비저닝이 아직 보류 중입니다. Cloud/SaaS 구독 페이지에서 프로비저닝 연락처를 변경하거나 이메일을 다시 보내세요.
refusal-complete-title = 프로비저닝이 완료되었습니다
refusal-complete = 고객이 이 줄의 설정을 마쳤습니다. 변경할 것이 없습니다.
refusal-stale-title = 그동안 다른 사람이 이 줄을 변경했습니다
refusal-stale = 양식을 연 후 { $name }님이 이 줄을 변경했습니다. 현재 프로비저닝 연락처는 { $email }입니다. 확인하고 필요하면 다시 편집하세요.
refusal-stale-link = 다시 편집

history-title = 줄 기록
history-heading = { $id }의 기록
history-none = 아직 변경 사항이 없습니다.
history-older = 이전 변경 내용
kind-provisioning_email_update = 프로비저닝 이메일 업데이트
kind-provisioning_email_resend = 프로비저닝 이메일 재전송
kind-provisioning_email_reminder = 프로비저닝 이메일 알림
tx-status-in_progress = 진행 중
tx-status-success = 성공
tx-status-failed = 실패

email-subject = 주문 { $order }에 프로비저닝 정보가 필요합니다
email-greeting = { $customer } 팀 안녕하세요,
email-intro = 파트너 { $partner }에서 주문 { $order }(으)로 다음 클라우드 구독을 주문했습니다. 사용을 시작하려면 설정을 완료하세요:
email-action = 여기에서 로그인하여 서비스 설정을 완료하세요:
email-allowlist = 이 이메일은 { $sender }에서 보냅니다. 이 주소의 메시지가 스팸이나 정크 폴더로 가지 않도록 IT 관리자에게 허용을 요청하세요.
email-spam = 이전 프로비저닝 이메일을 찾을 수 없으면 스팸 또는 정크 폴더를 확인하세요.
email-reminder-subject = 알림: { $date } 전에 주문 { $order }의 설정을 완료하세요
email-reminder-intro = 주문 { $order }의 다음 구독 설정이 아직 완료되지 않았습니다. 각 구독은 옆에 표시된 시각에 닫히며, 그때 청구가 시작됩니다. 그 전에 설정을 완료하세요:
email-line-closes = { $date }에 닫힘
email-copy-subject = 사본: { $subject }
email-copy-note = 요청에 따라 보내 드리는 주문 { $order }의 프로비저닝 이메일 사본입니다. 고객에게 전달할 수 있습니다. 설정 링크에는 자격 증명이 없습니다. 관리 콘솔의 주소입니다.

resend = 재전송
resend-line-label = { $id }의 프로비저닝 이메일 재전송
resend-title = 프로비저닝 이메일 다시 보내기
resend-question = { $id }의 프로비저닝 이메일을 { $email }(으)로 다시 보낼까요?
resend-yes = 예, 다시 보냅니다
resend-allowlist = 이메일은 { $sender }에서 보냅니다. 스팸이나 정크로 분류되지 않도록 고객의 IT 관리자에게 이 주소의 허용을 요청하세요.
resend-spam = 프로비저닝 연락처에게 스팸 또는 정크 폴더도 확인하도록 요청하세요.
resend-sent = { $email }(으)로 보낼 프로비저닝 이메일이 다시 대기열에 들어갔습니다. 메일 서버가 응답하면 줄에 표시됩니다. 보낸 사람은 { $sender }이며, 도착하지 않으면 연락처에게 스팸 또는 정크 폴더를 확인하도록 요청하세요.
resend-all-label = 이 주문의 모든 줄에 대해 보내기
resend-all-offer = { $lines ->
   *[other] { $count ->
       *[other] { $lines }개 줄, 받는 사람 { $count }명: { $recipients }. 받는 사람마다 해당 줄을 나열한 이메일을 한 통씩 보냅니다.
    }
}
resend-all-more = { $count ->
   *[other] 외 { $count }명
}
resend-all-sent = { $lines ->
   *[other] { $lines }개 줄의 프로비저닝 이메일이 다시 대기열에 들어갔습니다. 받는 사람: { $recipients }. 메일 서버가 응답하면 줄에 표시됩니다. 보내는 사람은 { $sender }입니다. 도착하지 않으면 스팸 또는 정크 폴더를 확인하도록 연락처에 요청하세요.
}
copy-to-me = 사본 받기
copy-to-me-hint = 전달할 수 있도록 프로비저닝 이메일 사본이 내 주소 { $email }(으)로 갑니다. 사본임이 표시되며, 내 주소의 이메일 한도에 포함됩니다.
copy-sent = 사본을 { $email }(으)로 보냈습니다.
copy-nothing = 사본을 보내지 않았습니다. 지금 나가는 프로비저닝 이메일이 없습니다(요청한 시작 날짜에 나갑니다).
copy-dropped = { $minutes ->
   *[other] { $email }(으)로 사본을 보내지 않았습니다. 지금은 내 주소에 허용된 이메일을 모두 보냈습니다. { $minutes }분 후에 다시 요청할 수 있습니다.
}
resend-blocked-not-yet = 첫 이메일은 { $date }에 발송됩니다.
refusal-not-yet-title = 첫 이메일이 아직 발송되지 않았습니다
refusal-not-yet = 프로비저닝 이메일은 요청 시작일인 { $date }(00:00 UTC부터)에 자동으로 발송됩니다. 그 이후부터 다시 보낼 수 있습니다.
refusal-limit-title = 이 줄의 이메일이 너무 많습니다
refusal-limit = { $minutes ->
   *[other] 받은 편지함이 넘치지 않도록 이 줄 또는 주소에 허용된 프로비저닝 이메일을 모두 보냈습니다. { $minutes }분 후에 다음 이메일을 보낼 수 있습니다.
}
email-state-queued = { $email }(으)로 보낼 프로비저닝 이메일이 대기 중입니다.
email-state-sent = { $email }(으)로 보낸 프로비저닝 이메일을 메일 서버가 { $when }에 수락했습니다.
email-state-failed = { $email }(으)로 프로비저닝 이메일이 발송되지 않았습니다. { $reason }
email-state-not-yet = 프로비저닝 이메일은 { $date }에 발송됩니다.
edit-emailed = { $email }(으)로 보낼 프로비저닝 이메일이 대기열에 들어갔습니다. 메일 서버가 응답하면 줄에 표시됩니다. 이전 주소는 이미 설정 링크를 받았습니다. 사용하면 안 되는 경우 고객에게 알리세요.
edit-on-rsd = 프로비저닝 이메일은 요청 시작일에 { $email }(으)로 갑니다.
tx-detail-on-rsd = 저장됨. 이메일은 요청 시작일에 발송됩니다.
tx-detail-accepted = 메일 서버가 수락했습니다(응답 { $code }).
tx-detail-accepted-id = 메일 서버가 수락했습니다(응답 { $code }, 참조 { $id }).
tx-detail-mailbox = 파일 메일함에 { $file }(으)로 저장했습니다.
delivery-failed-unreachable = 포털이 메일 서버에 연결할 수 없어 이메일이 발송되지 않았습니다. 주소의 문제는 아닙니다. 지원 사례로 운영자에게 메일 서버를 확인하고 다시 보내 달라고 요청하세요.
delivery-failed-address-refused = 메일 서버가 이 주소를 거부했습니다({ $code }). 주소를 확인하고 편집하세요. 주소가 맞다면 지원 사례로 운영자에게 문의하세요.
delivery-failed-refused = 메일 서버가 이메일을 거부했습니다({ $code }). 지원 사례로 운영자에게 문의하세요. 운영자는 원인을 확인하고 다시 보낼 수 있습니다.
delivery-failed-invalid-address = 이 주소로는 이메일을 받을 수 없습니다. 주소를 확인하고 편집하세요.
delivery-failed-portal = 포털이 이메일을 준비하지 못했습니다. 지원 사례로 운영자에게 다시 보내 달라고 요청하세요.
delivery-no-code = 코드 없음
tm-technical = 기술 세부 정보

mailbox-title = 메일함
mailbox-intro = 데모는 프로비저닝 이메일을 보내는 대신 파일 메일함에 씁니다. 최신 순입니다.
mailbox-empty = 아직 메시지가 없습니다.

closes-in-days = { $days ->
   *[other] { $days }일 후({ $when }) 닫히며, 그때부터 청구가 시작됩니다.
}
closes-in-hours = { $hours ->
   *[other] { $hours }시간 후({ $when }) 닫히며, 그때부터 청구가 시작됩니다.
}
closed-at = { $when }에 닫혔으며, 그때부터 청구가 시작되었습니다.
nav-subscriptions = Cloud/SaaS 구독
subscriptions-title = Cloud/SaaS 구독
subscriptions-pending-only = 프로비저닝 보류 중인 항목만
subscriptions-closing-within = 닫히기까지(일)
subscriptions-closing-invalid = 1에서 365 사이의 일 수를 입력하세요.
subscriptions-none = 일치하는 구독이 없습니다. ID를 확인하거나 필터를 지우세요.

nav-transactions = 트랜잭션 관리자
tm-title = 트랜잭션 관리자
tm-type = 트랜잭션 유형
tm-any = 전체
tm-from = 시작
tm-to = 종료
tm-csv = 이 행을 CSV로 다운로드
tm-none = 일치하는 트랜잭션이 없습니다. ID를 확인하거나 필터를 지우세요.
tm-retry = 전송 재시도
tm-invalid-filter = 필터를 확인하세요. 유형, 상태 또는 날짜가 트랜잭션 관리자가 알지 못하는 값입니다.
tm-retried = 이메일을 다시 보냅니다. 트랜잭션은 진행 중입니다.
tm-not-failed = 실패한 전송만 재시도할 수 있습니다.
tx-detail-retry = { $name }님이 재시도를 요청했습니다.
csv-id = ID
csv-when = 생성 일시(UTC)
csv-type = 유형
csv-subscription = 구독
csv-order = 주문
csv-old = 이전 값
csv-new = 새 값
csv-who = 요청자
csv-status = 상태
csv-detail = 세부 정보
tm-retry-operators = 운영자만 전송을 재시도할 수 있습니다. 변경이 계속 실패하면 지원 사례를 여세요.

nav-cases = 사례
cases-title = 지원 사례
cases-intro = PONR 전에 변경이 계속 실패하면 줄의 기록에서 사례를 여세요. 운영자가 처리합니다.
cases-none = 사례가 없습니다.
case-request-type = 요청 유형
case-type-change_contact = 프로비저닝 연락처 이메일 변경
case-type-resend_email = 프로비저닝 이메일 재전송
case-status-open = 열림
case-status-in_progress = 처리 중
case-status-resolved = 해결됨
case-description = 설명
case-note = 메모
case-attachments = 스크린샷(PNG 또는 JPEG 파일 최대 3개, 각 5MB)
case-submit = 사례 열기
case-new-title = 지원 사례 열기
case-new-intro = 주문 { $order }의 구독 { $id }에 관한 사례입니다.
case-opened = 사례 { $id }이(가) 열렸습니다. 운영자가 처리하며 이 페이지에서 상태를 볼 수 있습니다.
case-updated = 사례 { $id }이(가) 업데이트되었습니다.
case-operators-only = 운영자만 사례를 처리합니다.
case-error-type = 요청 유형을 선택하세요.
case-error-description = 무슨 일이 있었는지 4000자 이내로 설명하세요.
case-error-not-image = 스크린샷은 PNG 또는 JPEG 이미지여야 합니다.
case-error-too-large = 스크린샷은 최대 5MB입니다.
case-error-body-too-large = 업로드가 너무 큽니다. 스크린샷은 각 5MB 이하로 최대 세 개까지입니다.
case-limit = { $count ->
   *[other] 지원 사례는 하루에 { $count }개까지 열 수 있습니다. 잠시 기다리거나 이미 연 사례에 내용을 추가하세요.
}
case-error-too-many = 스크린샷은 최대 3개까지 첨부할 수 있습니다.
case-error-status = 열림, 처리 중 또는 해결됨을 선택하고 메모는 4000자 이내로 작성하세요.
open-case = 사례 열기
api-unauthorized-title = 인증되지 않음
api-unauthorized = 회사의 유효한 API 토큰을 "Authorization: Bearer <token>" 형식으로 보내세요. 폐기되었거나 만료된 토큰, 또는 만든 사람이 비활성화된 토큰은 거부됩니다.
api-rate-limit-title = 요청이 너무 많습니다
api-rate-limit = { $seconds ->
   *[other] 이 토큰은 지금 허용된 만큼 요청했습니다. { $seconds }초 후에 다시 시도하세요.
}
api-invalid-request-title = 잘못된 요청
api-invalid-email-title = 잘못된 이메일 주소
api-body-unreadable = 요청 본문을 읽을 수 없습니다.
api-too-large-title = 요청이 너무 큽니다
api-too-large = 요청 본문은 최대 { $kilobytes }KB까지 가능합니다.
api-idempotency-key-invalid = Idempotency-Key 헤더는 보이는 문자 1~255자여야 합니다.
api-idempotency-mismatch = 이 Idempotency-Key는 지난 24시간 안에 다른 본문으로 사용되었습니다. 새 요청에는 새 키를 사용하세요.
api-idempotency-in-progress = 이 Idempotency-Key의 요청이 아직 처리 중입니다. 잠시 후 같은 키로 다시 시도하세요.
api-unsupported-media-type-title = 지원하지 않는 미디어 유형
api-unsupported-media-type = 요청 본문을 "Content-Type: application/json"과 함께 JSON으로 보내세요.
api-method-not-allowed-title = 허용되지 않는 메서드
api-method-not-allowed = 이 경로는 { $allow }만 받습니다.
tokens-title = API 토큰
tokens-intro = 파트너 시스템은 이 토큰으로 주문을 읽고, 쓰기 범위가 있으면 API를 통해 프로비저닝 연락처를 변경하고 이메일을 다시 보냅니다. 토큰은 만들 때 한 번만 표시됩니다.
tokens-name = 이름
tokens-scope = 범위
tokens-scope-read = 읽기: 주문, 줄 및 트랜잭션
tokens-scope-write = 쓰기: 연락처 변경 및 이메일 재전송도 가능
tokens-create = 토큰 만들기
tokens-created = 토큰 "{ $name }"을(를) 만들었습니다. 지금 복사하세요. 이번 한 번만 표시되며 다시 표시할 수 없습니다.
tokens-created-by = 만든 사람
tokens-created-at = 만든 날짜
tokens-last-used = 마지막 사용
tokens-never = 없음
tokens-status = 상태
tokens-active = 활성
tokens-revoked-at = { $when }에 폐기됨
tokens-revoke = 폐기
tokens-revoked = 토큰을 폐기했습니다. 이제부터 이 토큰을 사용한 요청은 거부됩니다.
tokens-none = 아직 API 토큰이 없습니다.
tokens-invalid = 토큰 이름(최대 100자)을 입력하고 읽기 또는 쓰기를 선택하세요.
tokens-forbidden = 회사 관리자만 회사의 API 토큰을 관리할 수 있습니다.
tokens-prefix = 접두사
tokens-prefix-unknown = 접두사를 알 수 없음: 접두사를 보관하기 전에 만든 토큰입니다
tokens-expires = 만료
tokens-expired = 만료됨
tokens-lifetime = 유효 기간
tokens-days = { $days ->
   *[other] { $days }일
}
tokens-already-created = 이 양식은 이미 제출되었습니다. 그때 토큰 "{ $name }"을(를) 만들었으며 이번에는 아무것도 만들지 않았습니다. 비밀 값은 그때 한 번만 표시되었습니다. 복사하지 않았다면 토큰을 폐기하고 새로 만드세요.
tokens-too-many = { $max ->
   *[other] 회사에 이미 사용 가능한 API 토큰이 최대 개수인 { $max }개 있습니다. 새로 만들기 전에 하나를 폐기하세요.
}
tokens-invalid-expiry = 토큰 유효 기간을 선택하세요: 30일, 90일 또는 365일.
tokens-invalid-form = 양식을 읽을 수 없습니다. 페이지를 새로 고친 후 다시 시도하세요.

# Company admins (issue 12)
nav-company = 회사
company-nav-label = 회사
company-nav-users = 사용자
company-title = 회사: { $company }
company-users-heading = 사용자
company-col-name = 이름
company-col-email = 이메일 주소
company-col-can-edit = 편집 권한
company-col-admin = 회사 관리자
company-col-active = 활성
company-col-last-sign-in = 마지막 로그인
company-col-actions = 작업
yes = 예
no = 아니요
company-invited = 초대됨, 아직 비밀번호 없음
company-never = 없음
company-grant-edit = 편집 권한 부여
company-revoke-edit = 편집 권한 취소
company-make-admin = 관리자로 지정
company-unmake-admin = 관리자 해제
company-deactivate = 비활성화
company-deactivate-revokes = { $count ->
   *[other] 비활성화하면 이 사용자가 만든 API 토큰 { $count }개도 폐기됩니다.
}
company-tokens-revoked = { $count ->
   *[other] 이 사용자가 만든 API 토큰 { $count }개를 폐기했습니다.
}
company-reactivate = 다시 활성화
company-invite-heading = 사용자 초대
company-invite-hint = 비밀번호를 설정할 수 있는 링크를 이메일로 보냅니다. 링크는 72시간 동안 한 번만 사용할 수 있습니다.
company-invite-submit = 초대 보내기
error-summary-title = 문제가 있습니다
company-forbidden-title = 이 회사를 관리할 수 없습니다
company-forbidden = 회사의 사용자는 회사 관리자만 관리할 수 있습니다. 관리자에게 요청하세요.
company-invite-name-error = 이름을 입력하세요(최대 200자).
company-invite-email-empty = 초대할 이메일 주소를 입력하세요.
company-invited-message = { $email }(으)로 초대를 보냈습니다.
company-invite-exists = 이 이메일 주소에는 이미 계정이 있습니다. 다른 주소를 선택하세요.
company-change-invalid = 켜기 또는 끄기를 선택하세요.
company-changed = { $name } ({ $email })의 변경 사항을 저장했습니다.
company-last-admin = 회사에 활성 관리자가 남지 않게 됩니다. 마지막 관리자는 누구도 해제하거나 비활성화할 수 없습니다. 먼저 다른 사람을 관리자로 지정하세요.
ask-company-admins = 회사 관리자에게도 요청할 수 있습니다: { $admins }.
kind-permission_change = 권한 변경
perm-invited = { $name } 초대
perm-can-edit-on = 편집 권한 부여됨
perm-can-edit-off = 편집 권한 취소됨
perm-admin-on = 회사 관리자로 지정됨
perm-admin-off = 회사 관리자 해제됨
perm-active-on = 다시 활성화됨
perm-active-off = 비활성화됨
invitation-title = 비밀번호 설정
invitation-intro = { $name }님, 환영합니다. { $company } 포털에 로그인하려면 { $email }의 비밀번호를 설정하세요.
invitation-password = 새 비밀번호
invitation-password-hint = 12자 이상. 몇 단어로 된 문구는 기억하기 쉽고 추측하기 어렵습니다.
invitation-password-confirm = 비밀번호 다시 입력
invitation-submit = 비밀번호 설정
invitation-too-short = 12자 이상 사용하세요.
invitation-too-long = 256자 이하로 사용하세요.
invitation-guessable = 추측하기 너무 쉬운 비밀번호입니다. 흔하거나 이름이나 주소로 만들어졌습니다. 서로 관계없는 단어 몇 개로 된 문구가 좋습니다.
invitation-mismatch = 두 비밀번호가 같지 않습니다. 다시 입력하세요.
invitation-done = 비밀번호가 설정되었습니다. 이메일 주소와 새 비밀번호로 로그인하세요.
invitation-gone-title = 이 링크는 더 이상 사용할 수 없습니다
invitation-gone = 초대 링크가 이미 사용되었거나 72시간이 지났습니다. 회사 관리자에게 새 초대를 요청하거나, 비밀번호를 설정했다면 로그인하세요.
invite-email-subject = Provisio의 { $company }에 초대되었습니다
invite-email-greeting = { $name }님, 안녕하세요.
invite-email-intro = { $inviter }님이 { $company }의 Provisio 파트너 포털에 초대했습니다.
invite-email-action = 여기에서 비밀번호를 설정하세요:
invite-email-expiry = 링크는 72시간 동안 한 번만 사용할 수 있습니다. 예상하지 못한 이메일이라면 무시해도 됩니다.
# Bulk fix
bulk-link = 여러 줄 한 번에 수정
bulk-title = 여러 줄 한 번에 수정
bulk-intro = { $max ->
   *[other] subscription_id 및 new_contact_email 열이 있는 CSV 파일을 업로드하세요(UTF-8, 쉼표 또는 세미콜론 구분, 최대 { $max }행 및 2MB, 다른 열은 무시됨). 변경되기 전에 모든 행에 어떤 일이 일어날지 확인할 수 있습니다.
}
bulk-template = 아직 수정할 수 있는 줄 다운로드(CSV)
bulk-file = CSV 파일
bulk-file-hint = 첫 번째 행에는 열 이름이 있습니다. 각 행은 구독 하나의 프로비저닝 연락처를 변경합니다.
bulk-upload = 업로드 및 미리 보기
bulk-uploading = 파일을 업로드하고 확인하는 중…
bulk-back = Cloud/SaaS 구독으로 돌아가기
bulk-error-title = 파일을 읽을 수 없습니다
bulk-error-at-column = { $row }행, { $column } 열: { $reason }
bulk-error-at-row = { $row }행: { $reason }
bulk-error-no-column = 파일의 첫 번째 행에 { $subscription } 및 { $email } 열이 있어야 합니다.
bulk-error-too-many = { $max ->
   *[other] 파일에 { $max }개가 넘는 행이 있습니다. 더 작은 파일로 나누세요.
}
bulk-error-missing = 이 행의 이 열에 값이 없습니다.
bulk-error-utf8 = 텍스트가 UTF-8이 아닙니다. 파일을 "CSV UTF-8"로 저장한 후 다시 업로드하세요.
bulk-error-character = 텍스트에 허용되지 않는 문자가 있습니다.
bulk-error-empty = 파일의 첫 번째 행 아래에 행이 없습니다.
bulk-error-unreadable = 이 행을 CSV로 읽을 수 없습니다.
bulk-error-too-large = 파일이 2MB보다 큽니다. 더 작은 파일로 나누세요. 변경된 내용은 없습니다.
bulk-batch-title = 일괄 수정 { $id }
bulk-preview-note = 미리 보기: 아직 변경된 내용이 없습니다.
bulk-applied-at = { $when }에 적용됨.
bulk-counts = 결과별 행 수
bulk-apply = 변경 내용 적용
bulk-applying = 변경 내용을 적용하는 중…
bulk-applied = 일괄 수정이 적용되었습니다. 각 행에 결과가 표시됩니다.
bulk-already-applied-title = 이미 적용됨
bulk-already-applied = 이 일괄 수정은 이미 적용되었습니다. 더 이상 변경된 내용은 없습니다. 더 많은 줄을 수정하려면 새 파일을 업로드하세요.
bulk-outcome-csv = 모든 행의 결과 다운로드(CSV)
bulk-another = 다른 파일 업로드
bulk-rows = 파일의 행
bulk-col-row = 행
bulk-col-current = 현재 연락처
bulk-col-new = 새 연락처
bulk-col-result = 결과
bulk-unnamed = (이름 없는 파일)
bulk-preview-kept = 적용하지 않으면 { $when }에 삭제됩니다.
bulk-outcome-kept = 결과는 { $when }까지 보관됩니다.
bulk-earlier = 이전에 업로드한 파일
bulk-earlier-hint = { $max ->
   *[other] 적용하지 않은 미리 보기는 자동으로 삭제되며, 적용한 파일의 결과도 일정 시간이 지나면 삭제됩니다. 미리 보기는 한 번에 최대 { $max }개까지 보관할 수 있습니다.
}
bulk-col-file = 파일
bulk-col-uploaded = 업로드 시각
bulk-col-rows = 행 수
bulk-col-state = 상태
bulk-col-actions = 작업
bulk-state-preview = 미리 보기, 적용되지 않음: { $until }에 삭제
bulk-state-applied = { $when }에 적용됨; 결과는 { $until }까지 보관
bulk-state-purged = { $when }에 적용됨; 세부 내용은 더 이상 보관되지 않음
bulk-open = 열기
bulk-discard = 이 미리 보기 삭제
bulk-discard-short = 삭제
bulk-discard-named = 미리 보기 { $file } 삭제
bulk-discarded = 미리 보기 { $file }을(를) 삭제했습니다. 변경된 내용은 없습니다.
bulk-discard-applied = 이 일괄 수정은 이미 적용되어 삭제할 수 없습니다. 결과는 일정 시간 보관된 후 자동으로 삭제됩니다.
bulk-quota-title = 미리 보기가 너무 많음
bulk-quota = { $max ->
   *[other] 적용하지 않은 미리 보기가 이미 { $max }개 있습니다. 다른 파일을 업로드하기 전에 하나를 적용하거나 삭제하세요. 이 파일은 저장되지 않았습니다.
}
bulk-quota-oldest = 가장 오래된 것은 { $when }에 업로드한 { $file }입니다.
bulk-purged-title = 세부 내용이 더 이상 보관되지 않음
bulk-purged = 일괄 수정 { $id }({ $file })은(는) { $when }에 적용되었습니다. 각 행의 결과는 적용 후 일정 시간만 보관되며 이미 삭제되었습니다. 이 일괄 수정으로 변경된 내용은 트랜잭션 관리자에 "일괄 수정 { $id }"로 표시되어 남아 있습니다.
bulk-result-change = 변경 예정
bulk-result-unchanged = 변경 없음
bulk-result-not_found = 찾을 수 없음
bulk-result-no_permission = 권한 없음
bulk-result-ponr = 복귀 불가 지점(PONR) 도달
bulk-result-complete = 프로비저닝 완료
bulk-result-invalid = 잘못된 주소
bulk-result-duplicate = 중복
bulk-result-limit = 이메일이 너무 많음
bulk-result-done = 변경됨
bulk-reason-change = { $old }에서 { $new }(으)로.
bulk-reason-done = { $old }에서 { $new }(으)로 변경됨.
bulk-reason-emails-now = 새 연락처가 지금 프로비저닝 이메일을 받습니다.
bulk-reason-emails-on-rsd = 이메일은 요청된 시작 날짜에 발송됩니다.
bulk-reason-unchanged = 프로비저닝 연락처가 이미 이 주소입니다.
bulk-reason-not_found = 볼 수 있는 구독 중 이 ID를 가진 구독이 없습니다. ID를 확인하세요.
bulk-reason-no_permission = 이 주문의 프로비저닝 연락처를 변경할 권한이 없습니다. 주문한 사람에게 문의하세요.
bulk-reason-ponr = 복귀 불가 지점(PONR)에 도달했습니다. 프로비저닝 연락처 또는 관리자가 관리 콘솔에서 설정을 완료합니다.
bulk-reason-complete = 프로비저닝이 완료되었습니다. 변경할 내용이 없습니다.
bulk-reason-duplicate = 이 구독은 파일의 앞선 행에 있습니다. 그 행만 적용됩니다.
bulk-reason-limit = 지금은 이 줄 또는 주소로 보내는 프로비저닝 이메일이 너무 많습니다. 나중에 이 행을 다시 시도하세요.
tx-detail-bulk = 일괄 수정 { $id }
upload-not-a-form = 이 양식은 multipart/form-data로 보내야 합니다(페이지의 양식이 그렇게 보냅니다).
form-too-large = 이 양식은 포털의 어떤 페이지가 보내는 것보다 큽니다.
preview-title = 발송될 이메일:
preview-when-now = 확인하는 즉시 발송됩니다.
preview-when-rsd = 요청 시작일인 { $date }에 발송됩니다.
preview-limit-line = { $minutes ->
   *[other] 이 줄은 지금 허용된 이메일을 모두 받았습니다. 지금 보내면 거부됩니다. { $minutes }분 후에 다음 이메일을 보낼 수 있습니다.
}
preview-limit-address = { $minutes ->
   *[other] { $email }은(는) 지금 허용된 이메일을 모두 받았습니다. 지금 보내면 거부됩니다. { $minutes }분 후에 다음 이메일을 보낼 수 있습니다.
}

## Delivery truth: bounces and delays (docs/product.md rule 14)
tx-status-bounced = 반송됨
tx-status-delayed = 지연됨
email-state-bounced = { $email }(으)로 보낸 프로비저닝 이메일이 반송되었습니다: { $reason }. 주소를 고치면 이메일이 다시 발송됩니다.
email-state-delayed = { $email }(으)로 보낸 프로비저닝 이메일이 지연되고 있습니다: { $reason }
bounce-fix-address = 주소 수정
bounce-no-report = 보고서 없음
bounce-reason-no-such-address = 고객의 메일 서버가 이 주소는 존재하지 않는다고 응답했습니다({ $code })
bounce-reason-no-such-domain = 주소의 도메인이 존재하지 않거나 이메일을 받지 않습니다({ $code })
bounce-reason-mailbox-full = 고객의 사서함이 가득 찼습니다({ $code })
bounce-reason-mailbox-disabled = 고객의 메일 서버가 이 사서함은 사용 중지되었다고 응답했습니다({ $code })
bounce-reason-too-large = 고객의 메일 서버가 이메일이 너무 커서 거부했습니다({ $code })
bounce-reason-refused-policy = 고객의 메일 서버가 정책(예: 스팸)에 따라 이메일을 거부했습니다({ $code })
bounce-reason-no-route = 제한 시간 안에 고객의 메일 서버에 연결하지 못했습니다({ $code })
bounce-reason-refused = 고객의 메일 서버가 이메일을 거부했습니다({ $code })
bounce-reason-no-report = 고객의 메일 서버가 이유를 밝히지 않고 이메일을 반송했습니다({ $code })
bounce-reason-delayed = 고객의 메일 서버가 아직 이메일을 받지 않았으며 전송을 계속 시도하고 있습니다({ $code })
bounce-alert-subject = 주문 { $order }의 프로비저닝 이메일이 { $email }에서 반송되었습니다
bounce-alert-intro = 주문 { $order }({ $customer })의 프로비저닝 이메일이 고객에게 전달되지 않았습니다.
bounce-alert-address = 고객의 메일 서버가 { $email } 주소에서 이메일을 반송했습니다:
bounce-alert-action = 해당 줄을 열어 주소를 고치면 이메일이 다시 발송됩니다.

# Needs attention
nav-attention = 확인 필요
attention-title = 확인 필요
attention-intro = 지금 누군가의 조치가 필요한 줄입니다. 여기에서 바로 수정하세요. 편집과 다시 보내기는 구독 페이지와 같이 동작합니다.
attention-counts-label = 이유별 줄 수
attention-company = 회사
attention-every-company = 모든 회사
attention-reason = 이유
attention-every-reason = 모든 이유
attention-show = 보기
attention-none = 지금 확인이 필요한 항목이 없습니다.
attention-none-here = 이 이유에 해당하는 줄이 없습니다. 위에서 다른 이유를 선택하세요.
attention-kind-closing-soon = 7일 이내 닫힘
attention-kind-bounced = 이메일 반송됨
attention-kind-failed = 이메일 실패
attention-kind-delayed = 이메일 지연됨
attention-kind-pending = 닫힘, 아직 보류 중
attention-kind-case-answered = 사례 답변됨
attention-reason-closing = 7일 이내에 닫히며 설정이 완료되지 않았습니다. 그때부터 청구가 시작됩니다.
attention-reason-bounced = 고객의 메일 서버가 프로비저닝 이메일을 반송했습니다. 주소를 확인하고 편집하면 이메일이 다시 발송됩니다.
attention-reason-delayed = 고객의 메일 서버가 아직 프로비저닝 이메일을 받지 않았으며 계속 시도 중입니다. 주소를 확인하세요.
attention-reason-failed = 프로비저닝 이메일을 전달할 수 없었습니다. 주소를 확인하고 편집하거나 지원 사례로 운영자에게 문의하세요.
attention-reason-case = 운영자가 이 줄에 관한 지원 사례에 답변했습니다.
attention-open-cases = 사례 읽기

# The email the customer got
nav-mailbox = 메일함
mailbox-invitation = 비밀번호 설정 초대
email-view-link = 이메일 보기
email-view-subject = 제목
email-view-from = 보낸 사람
email-view-to = 받는 사람
email-view-cc = 참조
email-view-queued = 대기열 등록
email-view-accepted-at = 메일 서버 수락
email-view-status = 전달 상태
email-view-lines = 줄
email-view-body = 받는 사람이 보는 이메일
email-view-body-hint = 보낸 그대로, 주문의 언어로 표시됩니다. 여기에서는 이메일 안의 링크가 동작하지 않습니다.
email-view-frame-title = 이메일: { $subject }
email-view-text = 일반 텍스트 버전
email-view-state-queued = 대기 중
email-view-state-in-progress = 진행 중
email-view-state-accepted = 수락됨
email-view-state-failed = 실패
email-view-state-bounced = 반송됨
email-view-state-delayed = 지연됨
email-view-note-queued = 아직 보내지 않았습니다. 몇 초 안에 발송됩니다.
email-view-note-bounced = 받는 사람의 메일 서버가 반송했습니다. 주소를 확인하고 편집하세요.
email-view-note-delayed = 받는 사람의 메일 서버가 아직 받지 않았으며 계속 시도 중입니다.
email-view-accepted = 메일 서버가 { $when }에 수락했습니다. 받은편지함에 도착했는지는 받는 사람만 알 수 있으니 스팸 또는 정크 폴더도 확인하도록 요청하세요.
email-view-failed = 전달할 수 없었습니다. { $reason }
email-view-retrying = { $attempts ->
   *[other] 메일 서버가 { $attempts }번 시도 후에도 수락하지 않았습니다. 다시 시도합니다.
}

## The Company pages, API tokens and earlier bulk fixes (a partner's day: the walk's pages)
tokens-forbidden-title = 이 회사의 API 토큰을 관리할 수 없습니다
tokens-scope-read-short = 읽기
tokens-scope-write-short = 쓰기
tokens-api-document-intro = 파트너 시스템은 API 설명을 기준으로 만듭니다:
tokens-api-document = OpenAPI 문서(JSON)
tokens-revoke-named = 토큰 { $name } 폐기
company-nav-tokens = API 토큰
company-pick = 회사
company-pick-label = 관리할 회사 선택
company-pick-submit = 보기
company-operator-edits = 운영자: 모든 회사의 줄을 변경할 수 있음
company-operator-manages = 운영자: 모든 회사의 사용자와 API 토큰을 관리함
bulk-col-before = 이전 연락처
bulk-earlier-everyone = 모든 사용자의 이전 업로드
bulk-col-uploader = 업로드한 사람
bulk-template-closed-pending = 닫힘, 프로비저닝 아직 보류 중
bulk-template-hint = 이 파일에는 설정을 기다리는 줄과 프로비저닝이 아직 보류 중인 채로 닫힌 줄(상태 "닫힘, 프로비저닝 아직 보류 중", pending true)이 있습니다. 둘 다 아직 수정할 수 있습니다.
## Strong sign-in (docs/product.md rule 15)
nav-security = 계정 보안
kind-security_change = 보안 변경
security-totp-on = 일회용 코드를 켰습니다
security-totp-off = 일회용 코드를 껐습니다
security-recovery-renewed = 새 복구 코드를 만들었습니다. 이전 코드는 더 이상 쓸 수 없습니다
security-recovery-used = 복구 코드로 로그인했습니다
security-passkey-added = 패스키 “{ $name }”을(를) 추가했습니다
security-passkey-removed = 패스키 “{ $name }”을(를) 삭제했습니다
security-session-ended = 세션 하나를 로그아웃했습니다
security-sessions-ended = { $count ->
   *[other] 다른 세션 { $count }개를 로그아웃했습니다
}
security-email-subject = Provisio 로그인 방식이 변경되었습니다
security-email-intro = Provisio 로그인 방식에서 다음이 변경되었습니다:
security-email-action = 두 번째 인증 수단과 세션은 여기에서 확인하세요:
security-email-not-you = 본인이 한 일이 아니라면 로그인하여 모르는 항목을 삭제하고 회사 관리자에게 알리세요.
account-security-title = 계정 보안
account-security-intro = 두 번째 인증 수단이 있으면 다른 사람이 비밀번호를 알아도 계정을 지킬 수 있습니다.
account-security-required = 역할상 두 번째 인증 수단이 필요합니다. 계속하려면 여기에서 설정하세요. 설정할 때까지는 이 페이지만 볼 수 있습니다.
account-totp-title = 일회용 코드
account-totp-on = 켜짐: 비밀번호 다음에 인증 앱의 6자리 코드를 묻습니다.
account-totp-off = 꺼짐.
account-totp-start = 일회용 코드 설정
account-totp-scan = 인증 앱으로 이 QR 코드를 스캔하거나 키를 직접 입력하세요. 그런 다음 앱에 표시된 코드를 입력하세요.
account-totp-secret = 키
account-totp-qr = 인증 앱용 키의 QR 코드
account-totp-code = 지금 앱에 표시된 6자리 코드
account-totp-confirm = 일회용 코드 켜기
account-totp-remove = 일회용 코드 끄기
account-recovery-title = 복구 코드
account-recovery-intro = 인증 앱을 쓸 수 없을 때 복구 코드 하나로 한 번 로그인할 수 있습니다.
account-recovery-left = { $count ->
   *[other] 남은 복구 코드 { $count }개.
}
account-recovery-none = 복구 코드는 일회용 코드와 함께 만들어집니다.
account-recovery-new = 새 복구 코드 만들기
account-recovery-show = 복구 코드입니다. 지금 안전한 곳에 보관하세요. 다시는 표시되지 않으며 각 코드는 한 번만 쓸 수 있습니다.
account-totp-wrong = 코드가 올바르지 않습니다. 휴대폰 시간이 정확한지 확인하고 가장 최근 코드를 입력하세요.
account-totp-removed = 일회용 코드가 꺼졌습니다.
account-totp-now-on = 일회용 코드가 켜졌습니다.
account-recovery-made = 새 복구 코드를 만들었습니다. 이전 코드는 더 이상 쓸 수 없습니다.
second-factor-title = 로그인 두 번째 단계
second-factor-intro = 인증 앱의 6자리 코드나 복구 코드 하나를 입력하세요.
second-factor-code = 코드
second-factor-submit = 계속
second-factor-wrong = 코드가 올바르지 않거나 이미 사용되었습니다. 가장 최근 코드를 입력하세요.
second-factor-expired = 로그인 시간이 너무 오래 걸렸습니다. 다시 로그인하세요.
second-factor-restart = 다시 로그인
confirm-title = 본인 확인
confirm-intro = 이 변경에는 새 확인이 필요합니다. 마지막 확인 후 10분이 넘게 지났습니다.
confirm-code = 일회용 코드 또는 복구 코드
confirm-password = 비밀번호
confirm-submit = 확인
confirm-wrong = 올바르지 않습니다. 다시 시도하세요.
confirm-done = 확인되었습니다. 앞으로 10분 동안은 변경할 때 다시 확인하지 않습니다.

# 패스키 (계정 보안, 로그인)
login-passkey-title = 또는 패스키 사용
login-passkey = 패스키로 로그인
passkeys-title = 패스키
passkeys-intro = 패스키를 사용하면 비밀번호 대신 기기의 화면 잠금이나 보안 키로 로그인합니다. 피싱되거나 다른 사이트에서 재사용될 수 없습니다.
passkeys-none = 아직 패스키가 없습니다.
passkeys-name = 이름
passkeys-added = 추가한 날짜
passkeys-last-used = 마지막 사용
passkeys-never-used = 아직 사용하지 않음
passkeys-actions = 작업
passkeys-remove = 삭제
passkeys-new-name = 새 패스키의 이름 (예: "업무용 노트북")
passkeys-add = 패스키 추가
passkeys-working = 브라우저의 안내를 따르세요…
passkeys-need-javascript = 패스키를 사용하려면 JavaScript가 필요합니다. 패스키를 추가하거나 사용하려면 브라우저에서 JavaScript를 켜세요. 다른 기능은 JavaScript 없이도 작동합니다.
passkeys-unsupported = 이 브라우저에서는 패스키를 사용할 수 없습니다. 최신 버전의 Chrome, Edge, Firefox 또는 Safari를 사용하세요.
passkeys-off = 이 포털의 주소에서는 패스키를 사용할 수 없습니다. 관리자에게 도메인 이름으로 포털을 제공해 달라고 요청하세요.
passkeys-unavailable = 이 포털의 주소에서는 패스키를 사용할 수 없습니다.
passkeys-name-missing = 나중에 구별할 수 있도록 패스키에 이름을 지정하세요.
passkeys-name-long = { $max ->
   *[other] 이름은 줄 바꿈 없이 최대 { $max }자까지 입력할 수 있습니다.
}
passkeys-too-many = { $max ->
   *[other] 계정에 둘 수 있는 최대 개수인 { $max }개의 패스키가 있습니다. 다른 패스키를 추가하려면 하나를 삭제하세요.
}
passkeys-expired = 시간이 너무 오래 걸렸거나 다른 탭에서 페이지가 열려 있었습니다. 다시 시도하세요.
passkeys-failed = 패스키를 추가하지 못했습니다. 다시 시도하세요. 계속 실패하면 다른 기기나 보안 키를 사용해 보세요.
passkeys-duplicate = 이 기기에는 이미 계정의 패스키가 있습니다.
passkeys-cancelled = 패스키 요청이 취소되었거나 시간이 초과되었습니다. 아무것도 변경되지 않았습니다.
passkeys-sign-in-failed = 해당 패스키로 로그인하지 못했습니다. 계정에서 삭제되었을 수 있습니다. 대신 비밀번호로 로그인하세요.
passkeys-saved = 패스키 "{ $name }"을(를) 추가했습니다. 이제 이 패스키로 로그인할 수 있습니다.
passkeys-removed = 패스키 "{ $name }"을(를) 삭제했습니다. 더 이상 이 패스키로 로그인할 수 없습니다.
second-factor-passkey-or = 또는 패스키 사용
second-factor-passkey-title = 패스키 사용
second-factor-passkey = 패스키로 계속
confirm-passkey = 패스키로 확인

# 내 세션 (계정 보안)
sessions-title = 로그인된 곳
sessions-intro = 계정에 로그인된 모든 브라우저입니다. 알 수 없는 항목이 있으면 로그아웃한 후 비밀번호를 변경하세요.
sessions-browser = 브라우저
sessions-client = 클라이언트 주소
sessions-started = 로그인 시각
sessions-last-used = 마지막 사용
sessions-actions = 작업
sessions-this-one = 이 브라우저
sessions-end = 로그아웃
sessions-end-others = 다른 모든 곳에서 로그아웃
sessions-browser-on = { $system }의 { $browser }
sessions-browser-unknown = 알 수 없는 브라우저
sessions-client-unknown = 알 수 없음
sessions-ended-one = { $session }에서 로그아웃했습니다.
sessions-ended-others = { $count ->
    [0] 로그아웃할 다른 세션이 없었습니다.
   *[other] 다른 세션 { $count }개에서 로그아웃했습니다.
}
